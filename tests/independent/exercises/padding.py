import torch


def pad_sequences(seqs, max_len=None, pad_id=0):
    if max_len is not None and max_len <= 0:
        raise ValueError(f"max_len={max_len}: must be positive")
    rows = []
    for n, seq in enumerate(seqs):
        if (torch.is_tensor(seq) and seq.dim() != 1) or not (torch.is_tensor(seq) or isinstance(seq, (list, tuple))):
            raise ValueError(f"sequence {n} is not one-dimensional: {seq!r}")
        row = [int(v) if isinstance(v, int) or (torch.is_tensor(v) and not v.is_floating_point()) else _bad(v, n) for v in seq]
        rows.append(row)
    width = max_len if max_len is not None else max(map(len, rows), default=0)
    return torch.tensor([r[:width] + [pad_id] * (width - len(r[:width])) for r in rows], dtype=torch.int64).reshape(len(rows), width)


def _bad(value, n):
    raise TypeError(f"ids must be ints, got {value!r} in sequence {n}")


def padding_mask(ids, pad_id=0):
    if not torch.is_tensor(ids) or ids.is_floating_point() or ids.dtype == torch.bool:
        raise TypeError("ids: expected an integer tensor")
    return ~ids.eq(pad_id)
