"""Keras 3 on the same TensorFlow 2.21 wheel xp's addon runs on: the baseline and final models rebuilt layer for
layer from the experiments' resolved `model` sections (bench/out/spec.json), trained with `model.fit`.

  bench/.venv/bin/python bench/keras_bench.py throughput --spec bench/out/spec.json --model final [--variant jit]
                                                [--precision mixed_bfloat16]
  bench/.venv/bin/python bench/keras_bench.py tta --spec bench/out/spec.json --target 0.99

`--variant default` compiles as a user would (jit_compile="auto", which Keras resolves to no XLA on a CPU-only
machine); `--variant jit` forces jit_compile=True (XLA). `--precision mixed_bfloat16` ("keras-bf16") trains under
`keras.mixed_precision.set_global_policy('mixed_bfloat16')`, with the logits cast to float32 for the loss as Keras's
mixed-precision guide does it. One JSON line per measurement on stdout.
"""
import os
import statistics

from bench_common import (Feed, emit, log, now, parse_args, plan_of, run_main, scheduled_lr, slice_rates, synthetic_batch,
                          unsupported)

ARGS = parse_args('keras')
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

import keras  # noqa: E402  (after the thread variables are in place)
import tensorflow as tf  # noqa: E402
from keras import layers, ops  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(ARGS.threads)
tf.config.threading.set_inter_op_parallelism_threads(ARGS.threads)
BF16 = ARGS.precision == 'mixed_bfloat16'
if BF16:
    keras.mixed_precision.set_global_policy('mixed_bfloat16')
RUNNER = 'keras' + ('-jit' if ARGS.variant == 'jit' else '') + ('-bf16' if BF16 else '')


def build(spec, key):
    """The model of spec.models[key], as @xp/models builds it (same layers, shapes and parameter count)."""
    cfg = spec['models'][key]['model']
    unsupported(cfg, 'Keras')
    i = spec['input']
    max_len, classes = spec['maxLen'], spec['numClasses']
    image = keras.Input((i['height'], i['width'], 1), name='image')
    x = image
    if cfg['type'] == 'baseline-cnn':
        for f in cfg['filters']:
            x = layers.Conv2D(f, cfg['kernel_size'], padding='same', activation='relu')(x)
            x = layers.MaxPooling2D(2)(x)
        x = layers.Flatten()(x)
        x = layers.Dense(cfg['dense_units'], activation='relu')(x)
        if cfg['dropout'] > 0:
            x = layers.Dropout(cfg['dropout'])(x)
        x = layers.Dense(max_len * classes)(x)
        out = layers.Reshape((max_len, classes), name='digits')(x)
    else:
        for block in cfg['blocks']:
            for f in block['filters']:
                x = layers.Conv2D(f, block['kernel_size'], padding='same', activation='relu')(x)
            if block['pool']:
                x = layers.MaxPooling2D(2)(x)
            if block['dropout'] > 0:
                x = layers.Dropout(block['dropout'])(x)
        # Shared slot heads: cut the [h, w, c] map into max_len column slots, one Dense stack reads each slot.
        _, h, w, c = x.shape
        slot_w = w // max_len
        x = layers.Reshape((h, max_len, slot_w, c))(x)
        x = layers.Permute((2, 1, 3, 4))(x)
        x = layers.Reshape((max_len, h * slot_w * c))(x)
        x = layers.Dense(cfg['dense_units'], activation='relu')(x)
        if cfg['dense_dropout'] > 0:
            x = layers.Dropout(cfg['dense_dropout'])(x)
        out = layers.Dense(classes, name='digits')(x)
    if BF16:
        # The mixed policy's outputs are bf16; the loss and softmax run in float32 (Keras's guide: a float32 last layer).
        out = layers.Activation('linear', dtype='float32', name='logits_float32')(out)
    return keras.Model(image, out, name=key)


def sequence_loss(y_true, y_pred):
    """Softmax cross-entropy summed over positions (per sequence); Keras averages it over the batch, as xp does."""
    return ops.sum(keras.losses.sparse_categorical_crossentropy(y_true, y_pred, from_logits=True), axis=-1)


def exact_match(y_true, y_pred):
    """Every position right; xp's step counts the same thing on the backend."""
    hit = ops.equal(ops.cast(ops.argmax(y_pred, axis=-1), 'int32'), ops.cast(y_true, 'int32'))
    return ops.cast(ops.all(hit, axis=-1), 'float32')


def compiled(spec, key, variant):
    model = build(spec, key)
    o = spec['optimizer']
    opt = keras.optimizers.Adam(o['learning_rate'], beta_1=o['beta1'], beta_2=o['beta2'], epsilon=o['epsilon'])
    kw = {'jit_compile': True} if variant == 'jit' else {}
    model.compile(optimizer=opt, loss=sequence_loss, metrics=[exact_match], **kw)
    return model


class BatchClock(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.ends = []

    def on_train_batch_end(self, batch, logs=None):
        float(logs['loss'])  # the step's result, so the clock stops when the step has finished
        self.ends.append(now())


def throughput(args):
    spec, plan = args.spec, plan_of(args)
    model = compiled(spec, args.model, args.variant)
    xs, ys = synthetic_batch(spec, args.batch)
    ds = tf.data.Dataset.from_tensors((xs, ys)).repeat(plan['batches'])
    clock = BatchClock()
    model.fit(ds, epochs=1, steps_per_epoch=plan['batches'], callbacks=[clock], shuffle=False, verbose=0)
    rates = slice_rates(clock.ends, plan, args.batch)
    emit({'kind': 'throughput', 'runner': RUNNER, 'model': args.model, 'precision': args.precision,
          'batch': args.batch, 'params': model.count_params(), 'seq_per_s': round(statistics.median(rates), 1),
          'slices': rates, 'plan': plan, 'jit_compile': bool(model.jit_compile),
          'threads': {'intra_op': tf.config.threading.get_intra_op_parallelism_threads(),
                      'inter_op': tf.config.threading.get_inter_op_parallelism_threads(),
                      'onednn': os.environ.get('TF_ENABLE_ONEDNN_OPTS', 'TF default (on)')},
          'versions': {'tensorflow': tf.__version__, 'keras': keras.__version__}})


class TargetStop(keras.callbacks.Callback):
    """Stops at the first epoch whose val exact match reaches the target (time from fit start, validation included)."""

    def __init__(self, target, max_minutes):
        super().__init__()
        self.target, self.max_s, self.reached, self.history = target, max_minutes * 60, None, []

    def on_train_begin(self, logs=None):
        self.t0 = now()

    def on_epoch_end(self, epoch, logs=None):
        s = now() - self.t0
        row = {'epoch': epoch + 1, 's': round(s, 1), 'val_exact_match': round(float(logs['val_exact_match']), 4),
               'loss': round(float(logs['loss']), 4), 'lr': float(f'{float(self.model.optimizer.learning_rate):.6g}')}
        self.history.append(row)
        emit({'kind': 'tta-epoch', 'runner': RUNNER, **row})
        if self.reached is None and row['val_exact_match'] >= self.target:
            self.reached = row
        if self.reached or s > self.max_s:
            self.model.stop_training = True


def keras_callbacks(recipe, peak_lr):
    """The recipe's callbacks, mapped onto Keras's own (both use an absolute min_delta); `peak_lr` is the optimizer's rate."""
    out = []
    for c in recipe['callbacks']:
        if c['type'] == 'reduce_lr_on_plateau':
            out.append(keras.callbacks.ReduceLROnPlateau(monitor=c['monitor'], mode=c['mode'], factor=c['factor'],
                                                         patience=c['patience'], min_delta=c['min_delta'],
                                                         min_lr=c['min_lr'], cooldown=c['cooldown']))
        elif c['type'] == 'early_stopping':
            out.append(keras.callbacks.EarlyStopping(monitor=c['monitor'], mode=c['mode'], patience=c['patience'],
                                                     min_delta=c['min_delta'],
                                                     restore_best_weights=c['restore_best_weights']))
        elif c['type'] == 'lr_schedule':
            out.append(keras.callbacks.LearningRateScheduler(
                lambda epoch, _lr, c=c: scheduled_lr(c, peak_lr, epoch, recipe['epochs'])))
        else:
            raise ValueError(f"callback '{c['type']}' of the recipe has no Keras mapping in keras_bench.py")
    return out


def tta(args):
    spec, recipe = args.spec, args.spec['recipe']
    keras.utils.set_random_seed(recipe['seed'])
    model = compiled(spec, 'final', args.variant)
    val = Feed(spec, 'val', 1, recipe['evalBatchSize'])
    xv, yv = val.all()
    val.close()
    train = Feed(spec, 'train', args.max_epochs, recipe['batchSize'])
    steps = -(-train.header['count'] // recipe['batchSize'])

    def batches():
        while True:
            yield from train.epoch()

    stop = TargetStop(args.target, args.max_minutes)
    log(f'training until val exact match >= {args.target} ({train.header["count"]} sequences/epoch, {len(xv)} val)')
    model.fit(batches(), steps_per_epoch=steps, epochs=args.max_epochs, validation_data=(xv, yv),
              validation_batch_size=recipe['evalBatchSize'], callbacks=[*keras_callbacks(recipe, spec['optimizer']['learning_rate']), stop], shuffle=False, verbose=0)
    train.close()
    best = max(h['val_exact_match'] for h in stop.history)
    emit({'kind': 'tta', 'runner': RUNNER, 'precision': args.precision, 'target': args.target, 'reached': stop.reached is not None,
          'seconds': stop.reached['s'] if stop.reached else None,
          'epochs': stop.reached['epoch'] if stop.reached else len(stop.history), 'best_val_exact_match': best,
          'train_count': train.header['count'], 'val_count': len(xv), 'params': model.count_params(),
          'stop_reason': 'target' if stop.reached else 'max epochs/minutes or early stopping',
          'threads': {'intra_op': args.threads, 'inter_op': args.threads},
          'versions': {'tensorflow': tf.__version__, 'keras': keras.__version__}})


run_main(RUNNER, {'throughput': throughput, 'tta': tta}, ARGS)
