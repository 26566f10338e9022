"""pydicom's FileSet, as an independent maker and reader of media set directories (DICOMDIR).

  fileset.py make OUT_DIR FILE...   writes a media set of the files, with its DICOMDIR
  fileset.py rename OUT_DIR OLD NEW renames the set's folder OLD (a first File ID component, as
                                    pydicom names them: PT000000) to NEW on disk and in the records,
                                    as CDs that file images under the Patient ID are written
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


def rename(out, old, new):
    path = os.path.join(out, "DICOMDIR")
    ds = pydicom.dcmread(path)
    for record in ds.DirectoryRecordSequence:
        ids = record.get("ReferencedFileID")
        if ids is not None and list(ids)[0] == old:
            record.ReferencedFileID = [new, *list(ids)[1:]]
    ds.save_as(path)
    os.rename(os.path.join(out, old), os.path.join(out, new))


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
    elif sys.argv[1] == "rename":
        rename(*sys.argv[2:5])
    else:
        tree(sys.argv[2])
