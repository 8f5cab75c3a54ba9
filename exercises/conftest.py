"""nbval runs these notebooks with check() live: keep its progress file out of the user's home."""

import os
import tempfile

os.environ.setdefault("GOSTACK_KIT_HOME", tempfile.mkdtemp(prefix="gostack-kit-nbval-"))
