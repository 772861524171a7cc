"""The native parts of concviz: built from source by ``pip install`` with
the system's C compiler (everything else is declared in pyproject.toml)."""

from setuptools import Extension, setup

setup(ext_modules=[
    Extension("concviz._watch", ["backend/concviz/_watch.c"]),
    Extension("concviz._record", ["backend/concviz/_record.c"]),
    Extension("concviz._translate", ["backend/concviz/_translate.c"]),
])
