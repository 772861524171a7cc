"""The native parts of concviz: built from source by ``pip install`` with
the system's C compiler (everything else is declared in pyproject.toml)."""

from glob import glob

from setuptools import Extension, setup

setup(ext_modules=[
    Extension("concviz._watch", ["backend/concviz/_watch.c"]),
    # _record.c includes its parts (_record_*.h): one translation unit.
    Extension("concviz._record", ["backend/concviz/_record.c"], depends=sorted(glob("backend/concviz/_record_*.h")) + ["backend/concviz/_decimal.h"]),
    Extension("concviz._translate", ["backend/concviz/_translate.c"], depends=["backend/concviz/_decimal.h"]),
])
