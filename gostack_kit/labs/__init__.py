"""Each notebook's experiments: sweeps and side-by-side runs built from the engines.

One module per topic (address and threads share `threads`); a notebook imports its own as
`from gostack_kit.labs import <topic> as lab`. Labs return records; they never draw.
"""
