"""The one native part of concviz: built from source by ``pip install`` with
the system's C compiler (everything else is declared in pyproject.toml)."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("concviz._watch", ["backend/concviz/_watch.c"])])
