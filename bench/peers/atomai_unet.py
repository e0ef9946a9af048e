#!/usr/bin/env python3
"""PyTorch peer for bench/unet.ts: AtomAI's default segmentation U-Net, timed on CPU.

The network is AtomAI's `atomai.nets.Unet` with its defaults (nb_filters=16, layers [1, 2, 2, 3],
Conv2d 3x3 -> LeakyReLU(0.1) -> BatchNorm2d blocks, max pooling, bilinear upsampling
(align_corners=False) + 1x1 conv, concatenated skips, softmax over nb_classes), written out here
so only Debian's python3-torch is needed (AtomAI itself is not packaged).

Prints one JSON object: parameter count, threads, forward ms per frame (batch 1) at the raw
resolution (the best of --repeats passes, predict_ms, and all of them together, predict_total_ms, with
their CPU times), and training-step ms for a batch of raw-resolution patches (Adam, cross-entropy; not
with --no-train).

Usage: atomai_unet.py [--frame 512] [--patch 256] [--batch 4] [--classes 3] [--repeats 3] [--threads N] [--no-train]
"""
import argparse
import json
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvBlock(nn.Module):
    def __init__(self, nb_layers, cin, cout, lrelu_a=0.1):
        super().__init__()
        block = []
        for i in range(nb_layers):
            block += [nn.Conv2d(cin if i == 0 else cout, cout, 3, 1, 1), nn.LeakyReLU(lrelu_a), nn.BatchNorm2d(cout)]
        self.block = nn.Sequential(*block)

    def forward(self, x):
        return self.block(x)


class UpsampleBlock(nn.Module):
    def __init__(self, cin, cout, mode="bilinear"):
        super().__init__()
        self.mode = mode
        self.conv = nn.Conv2d(cin, cout, 1, 1, 0)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2, mode=self.mode, align_corners=False))


class Unet(nn.Module):
    """atomai.nets.Unet(nb_classes, nb_filters=16, batch_norm=True, upsampling_mode='bilinear', layers=[1, 2, 2, 3])."""

    def __init__(self, nb_classes=3, nb_filters=16, layers=(1, 2, 2, 3)):
        super().__init__()
        f = nb_filters
        self.c1 = ConvBlock(layers[0], 1, f)
        self.c2 = ConvBlock(layers[1], f, 2 * f)
        self.c3 = ConvBlock(layers[2], 2 * f, 4 * f)
        self.bn = ConvBlock(layers[3], 4 * f, 8 * f)
        self.up1 = UpsampleBlock(8 * f, 4 * f)
        self.c4 = ConvBlock(layers[2], 8 * f, 4 * f)
        self.up2 = UpsampleBlock(4 * f, 2 * f)
        self.c5 = ConvBlock(layers[1], 4 * f, 2 * f)
        self.up3 = UpsampleBlock(2 * f, f)
        self.c6 = ConvBlock(layers[0], 2 * f, f)
        self.px = nn.Conv2d(f, nb_classes, 1, 1, 0)

    def forward(self, x):
        c1 = self.c1(x)
        c2 = self.c2(F.max_pool2d(c1, 2, 2))
        c3 = self.c3(F.max_pool2d(c2, 2, 2))
        bn = self.bn(F.max_pool2d(c3, 2, 2))
        u3 = self.c4(torch.cat([c3, self.up1(bn)], dim=1))
        u2 = self.c5(torch.cat([c2, self.up2(u3)], dim=1))
        u1 = self.c6(torch.cat([c1, self.up3(u2)], dim=1))
        return self.px(u1)  # logits; softmax at inference


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--frame", type=int, default=512)
    ap.add_argument("--patch", type=int, default=256)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--classes", type=int, default=3)
    ap.add_argument("--filters", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--no-train", action="store_true", help="time the forward passes only")
    a = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(a.threads)
    net = Unet(a.classes, a.filters)
    params = sum(p.numel() for p in net.parameters())

    net.eval()
    x = torch.randn(1, 1, a.frame, a.frame)
    with torch.no_grad():
        torch.softmax(net(x), 1)  # warm-up
        t = []
        c = []
        for _ in range(a.repeats):
            t0 = time.perf_counter()
            c0 = time.process_time()  # CPU time of every thread of this process
            torch.softmax(net(x), 1)
            c.append(time.process_time() - c0)
            t.append(time.perf_counter() - t0)
    predict_ms = 1000 * min(t)
    predict_cpu_ms = 1000 * min(c)
    # the passes as a whole (--repeats N: "the peer's N forward passes", one after another, as a movie of
    # N frames would run them), beside the best single pass
    predict_total_ms = 1000 * sum(t)
    predict_total_cpu_ms = 1000 * sum(c)

    if a.no_train:
        print(json.dumps({
            "torch": torch.__version__, "threads": torch.get_num_threads(), "parameters": params,
            "frame": a.frame, "predict_ms": round(predict_ms, 1), "predict_cpu_ms": round(predict_cpu_ms, 1),
            "repeats": a.repeats, "predict_total_ms": round(predict_total_ms, 1), "predict_total_cpu_ms": round(predict_total_cpu_ms, 1),
        }))
        return

    net.train()
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    xb = torch.randn(a.batch, 1, a.patch, a.patch)
    yb = torch.randint(0, a.classes, (a.batch, a.patch, a.patch))
    weights = torch.ones(a.classes)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(net(xb), yb, weight=weights)
        loss.backward()
        opt.step()

    step()  # warm-up
    t = []
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        step()
        t.append(time.perf_counter() - t0)
    step_ms = 1000 * min(t)
    print(json.dumps({
        "torch": torch.__version__, "threads": torch.get_num_threads(), "parameters": params,
        "frame": a.frame, "predict_ms": round(predict_ms, 1), "predict_cpu_ms": round(predict_cpu_ms, 1),
        "repeats": a.repeats, "predict_total_ms": round(predict_total_ms, 1), "predict_total_cpu_ms": round(predict_total_cpu_ms, 1),
        "patch": a.patch, "batch": a.batch, "train_step_ms": round(step_ms, 1),
        "train_images_per_s": round(a.batch / (step_ms / 1000), 2),
    }))


if __name__ == "__main__":
    main()
