"""Stores DICOM files through a STOW-RS endpoint with dicomweb-client (an independent client).

usage: dicomweb_client_store.py URL [--study UID] FILE...

Prints one JSON object: the HTTP status, the Store Instances Response as DICOM JSON, and the
SOP Instance and Study Instance UIDs of the inputs (for the caller to check the pseudonyms).
"""
import json
import sys

import pydicom
import requests
from dicomweb_client import DICOMwebClient


def main(argv):
    url, args = argv[0], argv[1:]
    study = None
    if args[:1] == ["--study"]:
        study, args = args[1], args[2:]
    datasets = [pydicom.dcmread(path) for path in args]
    statuses = []
    session = requests.Session()
    session.hooks["response"].append(lambda r, *a, **k: statuses.append(r.status_code))
    client = DICOMwebClient(url=url, session=session)
    try:
        response = client.store_instances(datasets=datasets, study_instance_uid=study)
        body = response.to_json_dict() if response is not None else None
    except requests.HTTPError as e:
        # 409: nothing stored; the body still is a Store Instances Response.
        body = e.response.json() if e.response.content else None
    print(json.dumps({
        "status": statuses[-1],
        "response": body,
        "inputs": [
            {"path": p, "sopInstanceUid": str(ds.SOPInstanceUID), "studyInstanceUid": str(ds.StudyInstanceUID)}
            for p, ds in zip(args, datasets)
        ],
    }))


if __name__ == "__main__":
    main(sys.argv[1:])
