"""PyTorch (CPU build) with the identical architectures, rebuilt from the experiments' resolved `model` sections
(bench/out/spec.json), trained with a plain loop: the same loss (softmax cross-entropy summed over positions,
averaged over the batch), Adam with the recipe's betas and epsilon, Glorot-uniform kernels and zero biases.

  bench/.venv/bin/python bench/torch_bench.py throughput --spec bench/out/spec.json --model final
  bench/.venv/bin/python bench/torch_bench.py tta --spec bench/out/spec.json --target 0.99
"""
import statistics

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from bench_common import (Feed, emit, log, now, parse_args, plan_of, run_main, scheduled_lr, slice_rates, synthetic_batch,
                          unsupported)

ARGS = parse_args('torch')
if ARGS.precision != 'float32':
    raise SystemExit(f'torch_bench.py: --precision {ARGS.precision} is not implemented (float32 only)')
torch.set_num_threads(ARGS.threads)
torch.set_num_interop_threads(ARGS.threads)


class SeqCnn(nn.Module):
    """baseline-cnn or multihead-cnn (shared slot heads) on NCHW input; outputs [B, maxLen, classes] logits."""

    def __init__(self, spec, key):
        super().__init__()
        cfg = spec['models'][key]['model']
        unsupported(cfg, 'PyTorch')
        self.type, self.max_len, classes = cfg['type'], spec['maxLen'], spec['numClasses']
        h, w, c = spec['input']['height'], spec['input']['width'], 1
        trunk = []
        if cfg['type'] == 'baseline-cnn':
            for f in cfg['filters']:
                trunk += [nn.Conv2d(c, f, cfg['kernel_size'], padding='same'), nn.ReLU(), nn.MaxPool2d(2)]
                c, h, w = f, h // 2, w // 2
            self.trunk = nn.Sequential(*trunk)
            head = [nn.Flatten(), nn.Linear(c * h * w, cfg['dense_units']), nn.ReLU()]
            if cfg['dropout'] > 0:
                head.append(nn.Dropout(cfg['dropout']))
            head.append(nn.Linear(cfg['dense_units'], self.max_len * classes))
        else:
            for block in cfg['blocks']:
                for f in block['filters']:
                    trunk += [nn.Conv2d(c, f, block['kernel_size'], padding='same'), nn.ReLU()]
                    c = f
                if block['pool']:
                    trunk.append(nn.MaxPool2d(2))
                    h, w = h // 2, w // 2
                if block['dropout'] > 0:
                    trunk.append(nn.Dropout(block['dropout']))
            self.trunk = nn.Sequential(*trunk)
            self.slot = (c, h, w // self.max_len)
            head = [nn.Linear(h * (w // self.max_len) * c, cfg['dense_units']), nn.ReLU()]
            if cfg['dense_dropout'] > 0:
                head.append(nn.Dropout(cfg['dense_dropout']))
            head.append(nn.Linear(cfg['dense_units'], classes))
        self.head = nn.Sequential(*head)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.trunk(x)
        if self.type == 'baseline-cnn':
            return self.head(x).view(-1, self.max_len, self.head[-1].out_features // self.max_len)
        c, h, sw = self.slot
        # [B, C, H, L·sw] → [B, L, H, sw, C] → [B, L, H·sw·C]: each slot's features in xp's (h, w, c) order.
        x = x.view(x.shape[0], c, h, self.max_len, sw).permute(0, 3, 2, 4, 1).reshape(x.shape[0], self.max_len, -1)
        return self.head(x)


def sequence_loss(logits, y):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction='sum') / logits.shape[0]


def exact_count(logits, y):
    return (logits.argmax(-1) == y).all(-1).sum()


def adam(spec, params):
    o = spec['optimizer']
    return torch.optim.Adam(params, lr=o['learning_rate'], betas=(o['beta1'], o['beta2']), eps=o['epsilon'])


def step(model, opt, x, y):
    opt.zero_grad(set_to_none=True)
    logits = model(x)
    loss = sequence_loss(logits, y)
    loss.backward()
    opt.step()
    with torch.no_grad():
        correct = exact_count(logits, y)
    return loss, correct


def throughput(args):
    spec, plan = args.spec, plan_of(args)
    model = SeqCnn(spec, args.model).train()
    opt = adam(spec, model.parameters())
    xs, ys = synthetic_batch(spec, args.batch)
    x, y = to_torch(xs, ys)
    ends = []
    for _ in range(plan['batches']):
        loss, _ = step(model, opt, x, y)
        loss.item()
        ends.append(now())
    rates = slice_rates(ends, plan, args.batch)
    emit({'kind': 'throughput', 'runner': 'torch', 'model': args.model, 'batch': args.batch,
          'params': sum(p.numel() for p in model.parameters()), 'seq_per_s': round(statistics.median(rates), 1),
          'slices': rates, 'plan': plan,
          'threads': {'intra_op': torch.get_num_threads(), 'inter_op': torch.get_num_interop_threads(),
                      'mkldnn': torch.backends.mkldnn.is_available()},
          'versions': {'torch': torch.__version__}})


def to_torch(xs, ys):
    # NHWC with one channel is NCHW up to a reshape; the copy makes the feed's read-only buffer a writable tensor.
    return torch.from_numpy(xs.reshape(xs.shape[0], 1, xs.shape[1], xs.shape[2]).copy()), torch.from_numpy(ys.astype(np.int64))


def evaluate(model, xv, yv, batch):
    model.eval()
    loss_sum, exact = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(xv), batch):
            x, y = to_torch(xv[i:i + batch], yv[i:i + batch])
            logits = model(x)
            loss_sum += sequence_loss(logits, y).item() * len(y)
            exact += exact_count(logits, y).item()
    model.train()
    return loss_sum / len(xv), exact / len(xv)


def tta(args):
    spec, recipe = args.spec, args.spec['recipe']
    torch.manual_seed(recipe['seed'])
    model = SeqCnn(spec, 'final').train()
    opt = adam(spec, model.parameters())
    sched, stop_patience, schedule = None, None, None
    for c in recipe['callbacks']:
        if c['type'] == 'reduce_lr_on_plateau':
            # threshold_mode 'abs' = Keras's and xp's absolute min_delta.
            sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode=c['mode'], factor=c['factor'], patience=c['patience'],
                                                               threshold=c['min_delta'], threshold_mode='abs',
                                                               cooldown=c['cooldown'], min_lr=c['min_lr'])
        elif c['type'] == 'early_stopping':
            stop_patience = (c['patience'], c['min_delta'])
        elif c['type'] == 'lr_schedule':
            schedule = c
        else:
            raise ValueError(f"callback '{c['type']}' of the recipe has no PyTorch mapping in torch_bench.py")
    val = Feed(spec, 'val', 1, recipe['evalBatchSize'])
    xv, yv = val.all()
    val.close()
    train = Feed(spec, 'train', args.max_epochs, recipe['batchSize'])
    log(f'training until val exact match >= {args.target} ({train.header["count"]} sequences/epoch, {len(xv)} val)')
    history, reached, best_loss, waited = [], None, float('inf'), 0
    t0 = now()
    for epoch in range(args.max_epochs):
        if schedule:
            for g in opt.param_groups:
                g['lr'] = scheduled_lr(schedule, spec['optimizer']['learning_rate'], epoch, recipe['epochs'])
        loss_sum, n = 0.0, 0
        for xs, ys in train.epoch():
            x, y = to_torch(xs, ys)
            loss, _ = step(model, opt, x, y)
            loss_sum += loss.item() * len(y)
            n += len(y)
        val_loss, val_exact = evaluate(model, xv, yv, recipe['evalBatchSize'])
        s = now() - t0
        row = {'epoch': epoch + 1, 's': round(s, 1), 'val_exact_match': round(val_exact, 4), 'loss': round(loss_sum / n, 4),
               'lr': opt.param_groups[0]['lr']}
        history.append(row)
        emit({'kind': 'tta-epoch', 'runner': 'torch', **row})
        if sched:
            sched.step(val_loss)
        if val_exact >= args.target:
            reached = row
            break
        if stop_patience:
            # As Keras and xp: only an improvement by more than min_delta resets the wait (and moves the best).
            if val_loss < best_loss - stop_patience[1]:
                best_loss, waited = val_loss, 0
            else:
                waited += 1
            if waited >= stop_patience[0]:
                break
        if s > args.max_minutes * 60:
            break
    train.close()
    emit({'kind': 'tta', 'runner': 'torch', 'target': args.target, 'reached': reached is not None,
          'seconds': reached['s'] if reached else None, 'epochs': reached['epoch'] if reached else len(history),
          'best_val_exact_match': max(h['val_exact_match'] for h in history), 'train_count': train.header['count'],
          'val_count': len(xv), 'params': sum(p.numel() for p in model.parameters()),
          'stop_reason': 'target' if reached else 'max epochs/minutes or early stopping',
          'threads': {'intra_op': torch.get_num_threads(), 'inter_op': torch.get_num_interop_threads()},
          'versions': {'torch': torch.__version__}})


run_main('torch', {'throughput': throughput, 'tta': tta}, ARGS)
