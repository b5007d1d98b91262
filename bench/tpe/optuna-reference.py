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


def quadratic(trial):
    return -((trial.suggest_float('x', -5, 5) - 1.3) ** 2)


def interaction(trial):
    lr = trial.suggest_float('lr', 1e-5, 1e-1, log=True)
    dropout = trial.suggest_float('dropout', 0, 0.8)
    weight_decay = trial.suggest_float('weight_decay', 1e-6, 1e-2, log=True)
    batch = trial.suggest_categorical('batch', [32, 64, 128, 256])
    best_log10_lr = -3 + 0.5 * math.log10(batch / 32)
    return (0.95 - 0.05 * (math.log10(lr) - best_log10_lr) ** 2 - 0.1 * (dropout - 0.25) ** 2
            - 0.005 * (math.log10(weight_decay) + 4) ** 2 - (0.01 if batch == 256 else 0))


def edge(trial):
    lr = trial.suggest_float('lr', 1e-4, 1e-1, log=True)
    dropout = trial.suggest_float('dropout', 0, 0.5)
    return -abs(math.log10(lr) + 1) - 2 * dropout


seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 50
problems = [('issue space', issue), ('2-D continuous', continuous), ('1-D quadratic', quadratic),
            ('4-D interaction', interaction), ('optimum in a corner', edge)]
for name, objective in problems:
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
