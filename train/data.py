"""Fashion-MNIST from Debian's dataset-fashion-mnist package (IDX files, gzip).

No torch here: the integer reference and the tests use it too.
"""
import gzip
import os

import numpy as np

DATA_DIR = os.environ.get("FMNIST_DIR", "/usr/share/datasets/fashion-mnist")


def _read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic = int.from_bytes(raw[0:4], "big")
    ndim = magic & 0xFF
    if (magic >> 8) != 0x08:  # 0x08 = unsigned byte
        raise ValueError(f"{path}: not an unsigned-byte IDX file (magic {magic:#x})")
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: size {data.size} does not match header {dims}")
    return data.reshape(dims)


def load(split, data_dir=DATA_DIR):
    """Returns (images uint8 (n, 28, 28), labels uint8 (n,)) for split 'train' or 'test'."""
    prefix = {"train": "train", "test": "t10k"}[split]
    x = _read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"))
    y = _read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"))
    return x, y


def quantize_input(images_u8):
    """Host op 'input': int8 image x0 = p >> 1 (floor), values 0..127, scale 1/127.

    The float network is trained on exactly x0 / 127, so this step loses nothing.
    """
    return (np.asarray(images_u8, np.uint8) >> 1).astype(np.int8)


CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
