"""Build script: cythonizes every ``_ext/fastcore/*.pyx`` into ``fastcore._<name>``.

Metadata lives in pyproject.toml; this file only declares the compiled modules.  The path under
``_ext/`` is the import path (``_ext/fastcore/__init__.pxd`` makes Cython see package ``fastcore``).
Generated C goes to ``build/cython/`` and is never committed or shipped.

Build switches are environment variables because PEP 517 front-ends do not pass ``build_ext`` flags:
``FASTCORE_DEBUG=1`` turns bounds checks and line tracing on, ``FASTCORE_CYTHON_ANNOTATE=1`` writes
the HTML annotation next to the generated C.
"""

import os

from Cython.Build import cythonize
from Cython.Compiler import Options
from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
EXT_DIR = os.path.join("_ext", "fastcore")
DEBUG = os.environ.get("FASTCORE_DEBUG") == "1"

# Cython warnings are errors: a warning in a hot path is usually a silent slowdown.
Options.warning_errors = True


def extensions() -> list[Extension]:
    names = sorted(f[: -len(".pyx")] for f in os.listdir(os.path.join(HERE, EXT_DIR)) if f.endswith(".pyx"))
    exts = [
        Extension(
            f"fastcore.{name}",
            [os.path.join(EXT_DIR, f"{name}.pyx")],
            extra_compile_args=["-O0", "-g"] if DEBUG else ["-O2"],
            define_macros=[("CYTHON_TRACE", "1")] if DEBUG else [],
        )
        for name in names
    ]
    directives = {
        "language_level": 3,
        "embedsignature": True,
        # Off by default; modules that index arrays turn them off locally where audited.
        "boundscheck": True,
        "wraparound": True,
        "initializedcheck": DEBUG,
        "linetrace": DEBUG,
    }
    return cythonize(
        exts,
        build_dir=os.path.join("build", "cython"),
        include_path=["_ext"],
        compiler_directives=directives,
        annotate=os.environ.get("FASTCORE_CYTHON_ANNOTATE") == "1",
    )


setup(ext_modules=extensions())
