import torch


def embedding_lookup(ids, weight):
    if not torch.is_tensor(ids) or ids.dtype not in (torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8):
        raise TypeError("ids must be an integer tensor")
    if not torch.is_tensor(weight) or not weight.dtype.is_floating_point:
        raise TypeError("weight must be a float tensor")
    if weight.dim() != 2:
        raise ValueError(f"weight must be (vocab, k), got {tuple(weight.shape)}")
    n = weight.size(0)
    flat = ids.reshape(-1).to(torch.int64)
    if flat.numel() and (flat.min() < 0 or flat.max() >= n):
        culprit = flat.min().item() if flat.min() < 0 else flat.max().item()
        raise IndexError(f"token id {culprit} not in a vocabulary of {n} rows")
    return weight.index_select(0, flat).reshape(*ids.shape, weight.size(1))
