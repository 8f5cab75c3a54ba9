"""The kit's commands: `gostack-kit` (cli), `gostack-kit lab` (lab) and `gostack-kit doctor` (doctor)."""
