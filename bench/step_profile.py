"""Profiling tool (not part of `npm run bench`): the baseline model's training step in TensorFlow 2.21 itself,
eager vs graph, to tell what graph mode buys and where; the counterpart of bench/step-profile.mjs.

  bench/.venv/bin/python bench/step_profile.py ops     # single kernels of the step: eager vs inside a tf.function
  bench/.venv/bin/python bench/step_profile.py step    # one step: eager GradientTape vs tf.function vs Keras fit
  bench/.venv/bin/python bench/step_profile.py trace   # the graph step's executed kernels (after Grappler and
                                                       # oneDNN rewrites) with their times, from a v1 Session trace

Batch 128, 28x84x1 inputs, conv32-pool-conv64-pool-dense128-dense33 (the benchmark's baseline), Adam, two threads.
"""
import os
import statistics
import sys
import time

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

THREADS = int(os.environ.get('THREADS', '2'))
tf.config.threading.set_intra_op_parallelism_threads(THREADS)
tf.config.threading.set_inter_op_parallelism_threads(THREADS)
B, H, W, L, C = 128, 28, 84, 3, 11
rng = np.random.default_rng(1)
XS = rng.random((B, H, W, 1), dtype=np.float32)
YS = rng.integers(0, C, (B, L), dtype=np.int32)


def timed(f, n=10, warm=3):
    """Median wall ms of f() (f must finish its work: eager CPU ops are synchronous; results are read)."""
    for _ in range(warm):
        f()
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        ts.append((time.perf_counter() - t) * 1000)
    return statistics.median(ts)


def glorot(shape, seed):
    return tf.Variable(tf.keras.initializers.GlorotUniform(seed)(shape))


class Baseline:
    """The baseline net with raw TF ops (same math as the Keras/xp model)."""

    def __init__(self):
        self.w = [glorot((3, 3, 1, 32), 1), tf.Variable(tf.zeros(32)), glorot((3, 3, 32, 64), 2),
                  tf.Variable(tf.zeros(64)), glorot((9408, 128), 3), tf.Variable(tf.zeros(128)),
                  glorot((128, 33), 4), tf.Variable(tf.zeros(33))]

    def __call__(self, x):
        k1, b1, k2, b2, d1, c1, d2, c2 = self.w
        x = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, k1, 1, 'SAME'), b1))
        x = tf.nn.max_pool2d(x, 2, 2, 'VALID')
        x = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, k2, 1, 'SAME'), b2))
        x = tf.nn.max_pool2d(x, 2, 2, 'VALID')
        x = tf.reshape(x, (-1, 9408))
        x = tf.nn.relu(tf.matmul(x, d1) + c1)
        return tf.reshape(tf.matmul(x, d2) + c2, (-1, L, C))


def loss_fn(logits, ys):
    ce = tf.nn.sparse_softmax_cross_entropy_with_logits(ys, logits)
    return tf.reduce_mean(tf.reduce_sum(ce, -1))


def step_cmd():
    xs, ys = tf.constant(XS), tf.constant(YS)
    net = Baseline()
    opt = tf.keras.optimizers.Adam(1e-3)

    def step():
        with tf.GradientTape() as tape:
            loss = loss_fn(net(xs), ys)
        grads = tape.gradient(loss, net.w)
        opt.apply_gradients(zip(grads, net.w))
        return loss

    def fwd():
        return loss_fn(net(xs), ys)

    def fwd_grads():
        with tf.GradientTape() as tape:
            loss = loss_fn(net(xs), ys)
        return tape.gradient(loss, net.w)

    graph_step, graph_fwd, graph_grads = tf.function(step), tf.function(fwd), tf.function(fwd_grads)
    rows = {}
    for _ in range(3):  # interleaved rounds
        for name, f in [('eager forward+loss', fwd), ('graph forward+loss', graph_fwd),
                        ('eager forward+loss+grads', fwd_grads), ('graph forward+loss+grads', graph_grads),
                        ('eager full step', step), ('graph full step', graph_step)]:
            rows.setdefault(name, []).append(timed(lambda: tf.nest.flatten(f())[0].numpy(), n=8))
    for name, ts in rows.items():
        ms = statistics.median(ts)
        print(f'{name:28} {ms:7.1f} ms  {B / ms * 1000:6.0f} seq/s')


def ops_cmd():
    """Each kernel of the step on its real shapes, eager vs as the only op of a tf.function."""
    r = lambda *s: tf.constant(rng.random(s, dtype=np.float32))  # noqa: E731
    x1, k1, y1 = r(B, H, W, 1), r(3, 3, 1, 32), r(B, H, W, 32)
    x2, k2, y2 = r(B, 14, 42, 32), r(3, 3, 32, 64), r(B, 14, 42, 64)
    p1 = tf.nn.max_pool2d(y1, 2, 2, 'VALID')
    p2 = tf.nn.max_pool2d(y2, 2, 2, 'VALID')
    f, d1 = r(B, 9408), r(9408, 128)
    cases = {
        'Conv2D 28x84 1->32': lambda: tf.raw_ops.Conv2D(input=x1, filter=k1, strides=[1, 1, 1, 1], padding='SAME'),
        'Conv2D 14x42 32->64': lambda: tf.raw_ops.Conv2D(input=x2, filter=k2, strides=[1, 1, 1, 1], padding='SAME'),
        'Conv2DBackpropFilter 28x84 1->32': lambda: tf.raw_ops.Conv2DBackpropFilter(
            input=x1, filter_sizes=[3, 3, 1, 32], out_backprop=y1, strides=[1, 1, 1, 1], padding='SAME'),
        'Conv2DBackpropFilter 14x42 32->64': lambda: tf.raw_ops.Conv2DBackpropFilter(
            input=x2, filter_sizes=[3, 3, 32, 64], out_backprop=y2, strides=[1, 1, 1, 1], padding='SAME'),
        'Conv2DBackpropInput 14x42 64->32': lambda: tf.raw_ops.Conv2DBackpropInput(
            input_sizes=[B, 14, 42, 32], filter=k2, out_backprop=y2, strides=[1, 1, 1, 1], padding='SAME'),
        'MaxPool 28x84x32': lambda: tf.raw_ops.MaxPool(input=y1, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding='VALID'),
        'MaxPoolGrad 28x84x32': lambda: tf.raw_ops.MaxPoolGrad(
            orig_input=y1, orig_output=p1, grad=p1, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding='VALID'),
        'MaxPoolGrad 14x42x64': lambda: tf.raw_ops.MaxPoolGrad(
            orig_input=y2, orig_output=p2, grad=p2, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding='VALID'),
        'ReluGrad 28x84x32': lambda: tf.raw_ops.ReluGrad(gradients=y1, features=y1 - 0.5),
        'BiasAddGrad 28x84x32': lambda: tf.raw_ops.BiasAddGrad(out_backprop=y1),
        'Sum over NHW 28x84x32': lambda: tf.reduce_sum(y1, [0, 1, 2]),
        'MatMul 128x9408 . 9408x128': lambda: tf.matmul(f, d1),
        'MatMul grad W: 9408x128 (aT.b)': lambda: tf.matmul(f, r(B, 128), transpose_a=True),
    }
    print(f'{"kernel":36} {"eager ms":>9} {"graph ms":>9}')
    for name, fn in cases.items():
        g = tf.function(fn)
        e = statistics.median([timed(lambda: fn().numpy(), n=7) for _ in range(2)])
        gr = statistics.median([timed(lambda: g().numpy(), n=7) for _ in range(2)])
        print(f'{name:36} {e:9.2f} {gr:9.2f}')


def trace_cmd():
    """One traced v1 graph step: per op type, calls and summed kernel time after all graph rewrites."""
    tf.compat.v1.disable_eager_execution()
    xs = tf.compat.v1.placeholder(tf.float32, (B, H, W, 1))
    ys = tf.compat.v1.placeholder(tf.int32, (B, L))
    net = Baseline()
    loss = loss_fn(net(xs), ys)
    train_op = tf.compat.v1.train.AdamOptimizer(1e-3).minimize(loss, var_list=net.w)
    cfg = tf.compat.v1.ConfigProto(intra_op_parallelism_threads=THREADS, inter_op_parallelism_threads=THREADS)
    with tf.compat.v1.Session(config=cfg) as s:
        s.run(tf.compat.v1.global_variables_initializer())
        feed = {xs: XS, ys: YS}
        ms = timed(lambda: s.run([train_op, loss], feed), n=10)
        print(f'v1 graph step: {ms:.1f} ms ({B / ms * 1000:.0f} seq/s)')
        opts = tf.compat.v1.RunOptions(trace_level=tf.compat.v1.RunOptions.FULL_TRACE)
        md = tf.compat.v1.RunMetadata()
        s.run([train_op, loss], feed, options=opts, run_metadata=md)
    by = {}
    for dev in md.step_stats.dev_stats:
        for n in dev.node_stats:
            op = n.timeline_label.split('=')[-1].split('(')[0].strip() if '=' in n.timeline_label else n.node_name
            t = (n.op_end_rel_micros - n.op_start_rel_micros) / 1000
            key = (op, n.node_name.split('/')[0])
            c, s_ = by.get(key, (0, 0.0))
            by[key] = (c + 1, s_ + t)
    total = sum(v[1] for v in by.values())
    print(f'{sum(v[0] for v in by.values())} kernel calls, {total:.1f} ms summed (ops on two inter-op threads may overlap)')
    for (op, scope), (c, t) in sorted(by.items(), key=lambda kv: -kv[1][1])[:40]:
        print(f'{t:8.2f} ms {c:4}x  {op:34} {scope}')


{'ops': ops_cmd, 'step': step_cmd, 'trace': trace_cmd}[sys.argv[1] if len(sys.argv) > 1 else 'step']()
