import math

import torch
from torch import nn


class PositionalEmbedding(nn.Module):
    def __init__(self, max_len, k):
        if min(max_len, k) < 1:
            raise ValueError(f"max_len and k must be positive, got {max_len} and {k}")
        super().__init__()
        self.embedding = nn.Embedding(max_len, k)

    def forward(self, x):
        if x.dim() != 3:
            raise ValueError(f"x must be (batch, T, k), got {tuple(x.shape)}")
        length = x.size(1)
        if length > self.embedding.num_embeddings:
            raise ValueError(f"{length} positions but only {self.embedding.num_embeddings} learned")
        return x + self.embedding.weight[:length].unsqueeze(0)


def sinusoidal_encoding(max_len, k):
    if min(max_len, k) < 1:
        raise ValueError(f"max_len and k must be positive, got {max_len} and {k}")
    pos = torch.arange(max_len, dtype=torch.float32)[:, None]
    div = torch.exp(torch.arange(0, k, 2, dtype=torch.float32) * (-math.log(10000.0) / k))
    table = torch.empty(max_len, k)
    table[:, 0::2] = torch.sin(pos * div)
    table[:, 1::2] = torch.cos(pos * div[: k // 2])
    return table
