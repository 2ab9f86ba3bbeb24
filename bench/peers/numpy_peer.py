"""NumPy/OpenBLAS peer for the dspgd benchmark suite (bench/peers/numpy.ts drives it).

Reads X.npy and Y.npy from the folder given as argv[1], then answers one JSON
request per stdin line with one JSON line on stdout:
  {"op": "run", "precond": "gd"|"adam"|"spectral", "eps": float, "lr": float, "iters": int}
  -> {"ms": loop time, "W": base64 of W (d x k, float64, C order)}
  {"op": "info"} -> numpy version and BLAS configuration
The caller sets OPENBLAS_NUM_THREADS=1 (and the MKL/OMP equivalents) so BLAS runs one thread.
Only the iteration loop is timed; the formulas are the spec's (math.md) for squared loss, sum.
"""
import base64
import json
import sys
import time

import numpy as np


def grad_k(precond, G, eps):
    if precond == "gd":
        return G
    if precond == "adam":
        return G / (np.abs(G) + eps)
    if precond == "spectral":
        S = G.T @ G + (eps * eps) * np.eye(G.shape[1])
        w, V = np.linalg.eigh(S)
        return G @ ((V / np.sqrt(w)) @ V.T)
    raise ValueError(f"unknown precond {precond}")


def run(X, Y, W0, precond, eps, lr, iters):
    W = W0.copy()
    t0 = time.perf_counter()
    for _ in range(iters):
        R = X @ W
        R -= Y
        G = X.T @ R
        W -= lr * grad_k(precond, G, eps)
    ms = (time.perf_counter() - t0) * 1e3
    return W, ms


def info():
    out = {"numpy": np.__version__, "python": sys.version.split()[0]}
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        out["blas"] = {k: blas.get(k) for k in ("name", "version", "openblas configuration") if k in blas}
    except Exception as e:  # older NumPy: no dict mode
        out["blas"] = str(e)
    try:
        from threadpoolctl import threadpool_info
        out["threadpools"] = threadpool_info()
    except Exception:
        pass
    return out


def main():
    folder = sys.argv[1]
    X = np.load(f"{folder}/X.npy")
    Y = np.load(f"{folder}/Y.npy")
    if Y.ndim == 1:
        Y = Y[:, None]
    W0 = np.load(f"{folder}/W0.npy").reshape(X.shape[1], Y.shape[1])
    print(json.dumps({"ready": True, "shape": list(X.shape)}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            if req["op"] == "info":
                print(json.dumps(info()), flush=True)
            elif req["op"] == "run":
                W, ms = run(X, Y, W0, req["precond"], float(req.get("eps", 0.0)), float(req["lr"]), int(req["iters"]))
                W = np.ascontiguousarray(W, dtype="<f8")
                print(json.dumps({"ms": ms, "W": base64.b64encode(W.tobytes()).decode("ascii")}), flush=True)
            else:
                print(json.dumps({"error": f"unknown op {req['op']}"}), flush=True)
        except Exception as e:
            print(json.dumps({"error": f"{type(e).__name__}: {e}"}), flush=True)


if __name__ == "__main__":
    main()
