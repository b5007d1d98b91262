"""Calls an `xp serve` server with MLflow's own scoring client, as an MLflow user would.

Usage: python score_with_mlflow_client.py <url> <rows.jsonl>
Reads the rows into a pandas DataFrame (missing values become NaN, as pandas has them), sends it with
mlflow.pyfunc.scoring_server.client.ScoringServerClient (a `dataframe_split` request with params top_k=2), and
prints {"version": ..., "predictions": [...]} as JSON.
"""

import json
import sys
from urllib.parse import urlparse

import pandas as pd
from mlflow.pyfunc.scoring_server.client import ScoringServerClient

url, rows_file = sys.argv[1], sys.argv[2]
parsed = urlparse(url)
client = ScoringServerClient(parsed.hostname, parsed.port)
client.wait_server_ready(timeout=30)
with open(rows_file) as f:
    frame = pd.DataFrame([json.loads(line) for line in f if line.strip()])
response = client.invoke(frame, params={"top_k": 2})
print(json.dumps({"version": client.get_version(), "predictions": response["predictions"]}))
