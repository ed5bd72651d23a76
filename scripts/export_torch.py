#!/usr/bin/env python3
"""Export the convolution weights of a PyTorch model to .npy files for `escalate decompose`.

Optional helper: PyTorch is imported lazily and is not needed by the main flow
(`escalate run` uses seeded synthetic weights). NumPy is required.

Usage:
  scripts/export_torch.py --out weights/ --model resnet18            # torchvision, random init
  scripts/export_torch.py --out weights/ --model resnet18 --pretrained
  scripts/export_torch.py --out weights/ --checkpoint model.pt        # a pickled nn.Module
  scripts/export_torch.py --out weights/ --checkpoint sd.pth --model resnet18   # a state_dict

Each Conv2d weight (N, C, K, K) is written as float32 <out>/<name>.npy; a manifest
<out>/layers.txt lists name, shape, stride and padding, in the column order of models/README.md
(density is left at 1.0: choose it when decomposing), so `escalate run --model <out>/layers.txt`
reads it. <name> is the module name, prefixed with "conv" if it starts with a digit (the
children of an nn.Sequential are "0", "1", ...; a model-file name must start with a letter).
Input sizes are traced with a zero input of --input-size and the first conv's in_channels.
Convs the format cannot describe (non-square kernel, stride or padding, groups or dilation
other than 1) are skipped with a message. Then, for one layer:
  escalate decompose --weights weights/layer1.0.conv1.npy --M 5 --density 0.1 \
      --out-basis B.npy --out-coef A.npy
"""
import argparse
import os
import sys


def need(module, hint):
    try:
        return __import__(module)
    except ImportError:
        sys.exit("export_torch.py: Python package '%s' is not installed. %s" % (module, hint))


def load_model(args, torch):
    if args.checkpoint:
        try:  # torch >= 1.13 knows weights_only; a pickled nn.Module needs it False
            obj = torch.load(args.checkpoint, map_location="cpu", weights_only=False)
        except TypeError:
            obj = torch.load(args.checkpoint, map_location="cpu")
        if isinstance(obj, torch.nn.Module):
            return obj
        if not args.model:
            sys.exit("export_torch.py: %s holds a state_dict; also give --model NAME (a "
                     "torchvision architecture) to load it into" % args.checkpoint)
        state = obj.get("state_dict", obj) if isinstance(obj, dict) else obj
        model = build_torchvision(args.model, False)
        missing, unexpected = model.load_state_dict(state, strict=False)
        if missing:
            print("warning: %d parameters missing from the checkpoint" % len(missing),
                  file=sys.stderr)
        return model
    if not args.model:
        sys.exit("export_torch.py: give --model NAME (torchvision) or --checkpoint FILE")
    return build_torchvision(args.model, args.pretrained)


def build_torchvision(name, pretrained):
    tv = need("torchvision", "Install it with: pip install torchvision")
    if not hasattr(tv.models, name):
        sys.exit("export_torch.py: torchvision.models has no '%s'" % name)
    fn = getattr(tv.models, name)
    try:
        return fn(weights="DEFAULT" if pretrained else None)
    except TypeError:  # older torchvision
        return fn(pretrained=pretrained)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n", 2)[2])
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--model", help="torchvision architecture name, e.g. resnet18")
    ap.add_argument("--checkpoint", help="torch.save()d nn.Module or state_dict")
    ap.add_argument("--pretrained", action="store_true", help="download torchvision weights")
    ap.add_argument("--input-size", type=int, default=224,
                    help="input H=W used to trace layer input sizes (default 224)")
    args = ap.parse_args()

    np = need("numpy", "Install it with: pip install numpy (or apt-get install python3-numpy)")
    torch = need("torch", "PyTorch is optional and only needed for this export script; install "
                 "it with: pip install torch torchvision (see https://pytorch.org)")

    model = load_model(args, torch).eval()
    os.makedirs(args.out, exist_ok=True)

    convs = [(name, mod) for name, mod in model.named_modules()
             if isinstance(mod, torch.nn.Conv2d)]
    # Record each conv's input H, W with forward hooks on a dummy input whose channel count is
    # the first conv's (1 for Fashion-MNIST, 3 for ImageNet models).
    sizes = {}
    hooks = [mod.register_forward_hook(
        lambda m, inp, out, name=name: sizes.__setitem__(name, tuple(inp[0].shape[2:])))
        for name, mod in convs]
    in_ch = convs[0][1].in_channels if convs else 3
    with torch.no_grad():
        try:
            model(torch.zeros(1, in_ch, args.input_size, args.input_size))
        except Exception as e:  # noqa: BLE001 - sizes are a convenience only
            print("warning: dummy forward failed (%s); H and W written as 0" % e, file=sys.stderr)
    for h in hooks:
        h.remove()

    rows = []
    used = set()
    for name, mod in convs:
        w = mod.weight.detach().cpu().numpy().astype(np.float32)
        n, c, kh, kw = w.shape
        pad = mod.padding
        if isinstance(pad, str):  # padding="same" / "valid" (torch >= 1.9)
            pad = ((kh - 1) // 2, (kw - 1) // 2) if pad == "same" else (0, 0)
        why = None
        if kh != kw:
            why = "%dx%d kernel" % (kh, kw)
        elif mod.groups != 1:
            why = "groups=%d" % mod.groups
        elif tuple(mod.dilation) != (1, 1):
            why = "dilation %s" % (tuple(mod.dilation),)
        elif mod.stride[0] != mod.stride[1] or pad[0] != pad[1]:
            why = "stride %s, padding %s" % (tuple(mod.stride), tuple(pad))
        if why:
            print("skip %s: %s (only square, ungrouped, undilated convs with one stride and pad)"
                  % (name, why), file=sys.stderr)
            continue
        out_name = "conv" + name if name[:1].isdigit() else name
        if out_name in used:
            sys.exit("export_torch.py: two convs are both named %s; rename a module" % out_name)
        used.add(out_name)
        path = os.path.join(args.out, out_name + ".npy")
        np.save(path, w)
        h, wd = sizes.get(name, (0, 0))
        rows.append("%-28s %5d %5d %4d %4d %2d %6d %3d %2d %7.3f" % (
            out_name, c, n, h, wd, kh, mod.stride[0], pad[0], 1 if kh == 1 else 5, 1.0))
        print("wrote %s (%d,%d,%d,%d)" % (path, n, c, kh, kw))
    with open(os.path.join(args.out, "layers.txt"), "w") as f:
        f.write("# exported by scripts/export_torch.py; set M and density before use\n")
        f.write("# name C N H W K stride pad M density\n")
        f.write("\n".join(rows) + "\n")
    print("%d conv layers exported to %s" % (len(rows), args.out))


if __name__ == "__main__":
    main()
