"""Reads a registered xp model back with MLflow's own Python client and prints what it found as JSON.

Run with the project's MLflow venv: python read_back_model.py <experiment-name> <registered-name> <alias>
(MLFLOW_TRACKING_URI names the server). It asserts nothing itself: the e2e test compares its findings with
what xp logged, so a failure there says which value differs.
"""

import json
import os
import sys
import tempfile

import mlflow
import numpy as np
from mlflow import MlflowClient
from mlflow.models import Model


def main() -> None:
    experiment, name, alias = sys.argv[1:4]
    exp = mlflow.get_experiment_by_name(experiment)
    models = mlflow.search_logged_models(experiment_ids=[exp.experiment_id], output_format="list")
    version = MlflowClient().get_model_version_by_alias(name, alias)
    uri = f"models:/{name}@{alias}"
    local = mlflow.artifacts.download_artifacts(uri, dst_path=tempfile.mkdtemp())
    info = mlflow.models.get_model_info(uri)
    example = Model.load(local).load_input_example(local)
    print(
        json.dumps(
            {
                "logged_models": [
                    {
                        "model_id": m.model_id,
                        "name": m.name,
                        "status": str(m.status),
                        "source_run_id": m.source_run_id,
                        "tags": m.tags,
                        "metrics": [
                            {"key": x.key, "value": x.value, "model_id": x.model_id, "dataset_name": x.dataset_name}
                            for x in m.metrics or []
                        ],
                    }
                    for m in models
                ],
                "version": {"version": version.version, "source": version.source, "run_id": version.run_id, "aliases": list(version.aliases)},
                "files": sorted(os.listdir(local)),
                "model_info": {
                    "flavors": sorted(info.flavors),
                    "model_id": info.model_id,
                    "run_id": info.run_id,
                    "signature": info.signature.to_dict() if info.signature else None,
                },
                # MLflow casts the example to the signature: one array per named input tensor.
                "input_example_shapes": {k: list(np.asarray(v).shape) for k, v in example.items()} if isinstance(example, dict) else None,
            }
        )
    )


if __name__ == "__main__":
    main()
