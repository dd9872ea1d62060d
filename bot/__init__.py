"""FAQ bot about the Entraide Nationale (التعاون الوطني) in Taza province."""

import os

# The bot answers one message at a time on one core; numpy's BLAS would otherwise
# spread each small product (a message against the remembered questions) over every
# core and spin there, doubling the CPU a reply costs for no gain. Set before numpy
# is imported; a value in the environment wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
