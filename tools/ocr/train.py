"""Train the OCR meter's digit CNN on synthetic cells and export it.

Reproducible on a CPU (seeded; rendering in chunks with their own random
streams, so the same on any number of processes): renders the training cells with
`render.py`, preprocesses them with the integration's own `preprocess.py`,
trains, and writes the same weights twice into the integration:
`ocr/model/digits.onnx` (for onnxruntime) and `ocr/model/digits.npz` (for the
numpy backend). See docs/ocr-model.md.

    .venv-train/bin/python tools/ocr/train.py
"""

import argparse
import multiprocessing
from pathlib import Path
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
import render

MODEL_DIR = render.REPO / "custom_components/energy_hub/ocr/model"
VALIDATION = render.REPO / "tests/ocr/data/validation.npz"
OPSET = 17
IR_VERSION = 8  # onnxruntime loads IR 3 and later


def build_model() -> nn.Sequential:
    """Three 3x3 conv blocks and two dense layers; about 98k parameters.

    Batch normalisation speeds training up; it is folded into the convolutions
    at export, so neither backend evaluates it.
    """
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1),
        nn.BatchNorm2d(64),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * 4 * 3, 96),
        nn.ReLU(),
        nn.Dropout(0.2),
        nn.Linear(96, render.NUM_CLASSES),
    )


def weights(model: nn.Sequential) -> dict[str, np.ndarray]:
    """The trained weights by the names both backends use, batch norm folded in."""
    layers = list(model)
    named: dict[str, np.ndarray] = {}
    conv_index = dense_index = 0
    with torch.no_grad():
        for position, layer in enumerate(layers):
            if isinstance(layer, nn.Conv2d):
                conv_index += 1
                weight, bias = layer.weight.clone(), layer.bias.clone()
                norm = layers[position + 1]
                if isinstance(norm, nn.BatchNorm2d):
                    scale = norm.weight / torch.sqrt(norm.running_var + norm.eps)
                    weight = weight * scale[:, None, None, None]
                    bias = (bias - norm.running_mean) * scale + norm.bias
                named[f"conv{conv_index}_w"] = weight.numpy().astype(np.float32)
                named[f"conv{conv_index}_b"] = bias.numpy().astype(np.float32)
            elif isinstance(layer, nn.Linear):
                dense_index += 1
                named[f"dense{dense_index}_w"] = layer.weight.numpy().astype(np.float32)
                named[f"dense{dense_index}_b"] = layer.bias.numpy().astype(np.float32)
    return named


def onnx_model(named: dict[str, np.ndarray]) -> onnx.ModelProto:
    """The network as an ONNX graph, written node by node (no tracing)."""
    nodes = []
    current = "cells"
    for index in (1, 2, 3):
        nodes += [
            helper.make_node(
                "Conv",
                [current, f"conv{index}_w", f"conv{index}_b"],
                [f"conv{index}"],
                kernel_shape=[3, 3],
                pads=[1, 1, 1, 1],
            ),
            helper.make_node("Relu", [f"conv{index}"], [f"relu{index}"]),
            helper.make_node(
                "MaxPool",
                [f"relu{index}"],
                [f"pool{index}"],
                kernel_shape=[2, 2],
                strides=[2, 2],
            ),
        ]
        current = f"pool{index}"
    nodes += [
        helper.make_node("Flatten", [current], ["flat"], axis=1),
        helper.make_node(
            "Gemm", ["flat", "dense1_w", "dense1_b"], ["dense1"], transB=1
        ),
        helper.make_node("Relu", ["dense1"], ["hidden"]),
        helper.make_node(
            "Gemm", ["hidden", "dense2_w", "dense2_b"], ["logits"], transB=1
        ),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
    ]
    graph = helper.make_graph(
        nodes,
        "digits",
        [helper.make_tensor_value_info("cells", TensorProto.FLOAT, ["n", 1, 32, 24])],
        [
            helper.make_tensor_value_info(
                "probabilities", TensorProto.FLOAT, ["n", render.NUM_CLASSES]
            )
        ],
        initializer=[
            numpy_helper.from_array(value, name) for name, value in named.items()
        ],
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="energy_hub tools/ocr/train.py",
    )
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    return model


_CHUNK = 2000
_worker_renderer: render.Renderer | None = None


def _render_chunk(seed: int, chunk: int) -> tuple[np.ndarray, np.ndarray]:
    """One chunk of preprocessed cells and their soft targets.

    Each chunk has its own random stream (the seed and the chunk's number), so
    the data set is the same however many processes render it.
    """
    global _worker_renderer  # noqa: PLW0603 - one font set per worker process
    if _worker_renderer is None:
        _worker_renderer = render.Renderer(
            render.DRUM_FONTS_TRAIN + render.LCD_FONTS_TRAIN, seed
        )
    _worker_renderer.rng = np.random.default_rng([seed, chunk])
    cells, _, targets = _worker_renderer.batch_with_targets(_CHUNK)
    return render.load_preprocess().cells_tensor(cells), targets


def dataset(count: int, seed: int, workers: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Rendered and preprocessed training cells and their soft targets."""
    chunks = -(-count // _CHUNK)
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        parts = pool.starmap(_render_chunk, [(seed, chunk) for chunk in range(chunks)])
    tensors = np.concatenate([part[0] for part in parts])[:count]
    targets = np.concatenate([part[1] for part in parts])[:count]
    return torch.from_numpy(tensors), torch.from_numpy(targets)


def validation_tensors() -> tuple[torch.Tensor, np.ndarray]:
    """The shipped validation set, preprocessed like at run time."""
    preprocess = render.load_preprocess()
    cells, labels = render.load_validation(VALIDATION)
    return torch.from_numpy(preprocess.cells_tensor(cells)), labels


def accuracy(model: nn.Module, tensors: torch.Tensor, labels: np.ndarray) -> float:
    """Share of cells whose class is right."""
    model.eval()
    with torch.no_grad():
        predicted = model(tensors).argmax(1).numpy()
    model.train()
    return float((predicted == labels).mean())


def main() -> None:
    """Train, report validation accuracy, export both model files."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=128_000)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=MODEL_DIR)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    started = time.monotonic()
    tensors, targets = dataset(args.samples, args.seed, args.threads)
    print(f"rendered {args.samples} cells in {time.monotonic() - started:.0f} s")
    validation, validation_labels = validation_tensors()
    model = build_model()
    batch_size = 256
    steps = args.epochs * (args.samples // batch_size)
    optimiser = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, 3e-3, total_steps=steps)
    # Soft targets (a rolling drum's two numbers) with a little label smoothing.
    smoothing = 0.02
    generator = torch.Generator().manual_seed(args.seed)
    for epoch in range(args.epochs):
        order = torch.randperm(args.samples, generator=generator)
        total = 0.0
        for start in range(0, args.samples - batch_size + 1, batch_size):
            index = order[start : start + batch_size]
            target = targets[index] * (1 - smoothing) + smoothing / render.NUM_CLASSES
            log_probabilities = torch.log_softmax(model(tensors[index]), dim=1)
            loss = -(target * log_probabilities).sum(dim=1).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += float(loss.detach())
        print(
            f"epoch {epoch + 1}: loss {total / (args.samples // batch_size):.4f}, "
            f"validation {accuracy(model, validation, validation_labels):.4f}, "
            f"{time.monotonic() - started:.0f} s",
            flush=True,
        )
    model.eval()
    named = weights(model)
    args.out.mkdir(parents=True, exist_ok=True)
    onnx.save(onnx_model(named), args.out / "digits.onnx")
    np.savez(args.out / "digits.npz", **named)
    print(f"exported to {args.out} after {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
