# Optuna's own TPESampler on the objectives of objectives.mjs, measured the same way as tpe-vs-random.mjs,
# to tell "TPE cannot do better here" from "our TPE is worse". Not part of the build or CI:
#   python3 -m venv /tmp/optuna && /tmp/optuna/bin/pip install optuna && /tmp/optuna/bin/python bench/tpe/optuna-reference.py [seeds]
import math
import sys

import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)
DROPOUT_COST = {0.2: 0.01, 0.3: 0.0, 0.5: 0.03}


def issue(trial):
    lr = trial.suggest_float('training.optimizer.learning_rate', 1e-4, 1e-2, log=True)
    dropout = trial.suggest_categorical('model.dropout', [0.2, 0.3, 0.5])
    batch = trial.suggest_categorical('training.batch_size', [64, 128])
    return 0.95 - 0.05 * (math.log10(lr) + 2.6) ** 2 - DROPOUT_COST[dropout] - (0 if batch == 64 else 0.005)


def continuous(trial):
    lr = trial.suggest_float('lr', 1e-5, 1e-1, log=True)
    dropout = trial.suggest_float('dropout', 0, 0.8)
    return -((math.log10(lr) + 2.5) ** 2) - 4 * (dropout - 0.3) ** 2


seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 50
for name, objective in [('issue space', issue), ('2-D continuous', continuous)]:
    for multivariate in (True, False):
        reached = 0
        for seed in range(seeds):
            random = optuna.create_study(direction='maximize', sampler=optuna.samplers.RandomSampler(seed=10_000 + seed))
            random.optimize(objective, n_trials=40)
            tpe = optuna.create_study(direction='maximize', sampler=optuna.samplers.TPESampler(seed=seed, multivariate=multivariate))
            tpe.optimize(objective, n_trials=20)
            reached += tpe.best_value >= random.best_value
        kind = 'multivariate' if multivariate else 'univariate'
        print(f'{name}, Optuna {optuna.__version__} {kind} TPE: reached in {reached}/{seeds} seeds ({100 * reached / seeds:.0f} %)')
