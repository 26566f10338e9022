"""pydicom's FileSet, as an independent maker and reader of media set directories (DICOMDIR).

  fileset.py make OUT_DIR FILE...   writes a media set of the files, with its DICOMDIR
  fileset.py tree DICOMDIR          prints the record tree that the offsets describe, as JSON:
                                    [[file path, [record types from the instance up]], ...]
"""
import json
import os
import sys

import pydicom
from pydicom.fileset import FileSet


def make(out, files):
    fs = FileSet()
    for f in files:
        fs.add(f)
    fs.write(out)


def tree(path):
    fs = FileSet(pydicom.dcmread(path))
    rows = []
    for inst in fs:
        node, chain = inst.node, []
        while node is not None and hasattr(node, "record_type"):
            chain.append(node.record_type)
            node = node.parent
        # The file the record references, relative to the directory (FileID is pydicom's own
        # name for it, made anew when a set is loaded).
        rel = os.path.relpath(inst.path, os.path.dirname(os.path.abspath(path)))
        rows.append([rel, chain])
    print(json.dumps(sorted(rows)))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3:])
    else:
        tree(sys.argv[2])
