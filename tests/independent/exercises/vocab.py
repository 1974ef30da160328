import re
from collections import Counter

PAD, UNK = "<pad>", "<unk>"
PAD_ID, UNK_ID = 0, 1

_BR = re.compile(r"<br ?/?>")
_OWN_TOKEN = re.compile(r"([.,()!?])")


def tokenize(text):
    if type(text) is not str:
        raise TypeError("tokenize expects str, not " + type(text).__name__)
    s = _BR.sub(" ", text.lower())
    s = s.replace("'", " '  ").replace('"', "")
    s = _OWN_TOKEN.sub(lambda m: " " + m.group(1) + " ", s)
    s = s.replace(";", " ").replace(":", " ")
    return s.split()


class Vocab:
    def __init__(self, itos):
        self.itos = list(itos)
        self.stoi = dict(zip(self.itos, range(len(self.itos))))

    def __len__(self):
        return len(self.itos)

    def __contains__(self, token):
        return token in self.stoi

    def __getitem__(self, token):
        if not isinstance(token, str):
            raise TypeError("token must be a string")
        try:
            return self.stoi[token]
        except KeyError:
            return UNK_ID

    def encode(self, tokens):
        return list(map(self.__getitem__, tokens))

    def decode(self, ids):
        return [self.itos[i] for i in ids]

    def get_itos(self):
        return self.itos

    def get_stoi(self):
        return self.stoi


def build_vocab(token_lists, max_size=None, min_freq=1):
    if min_freq < 1:
        raise ValueError("min_freq below 1: %r" % (min_freq,))
    if max_size is not None and max_size < 2:
        raise ValueError("max_size below 2: %r" % (max_size,))
    counts = Counter()
    for tokens in token_lists:
        if isinstance(tokens, str):
            raise TypeError("each text must already be a list of tokens, got a str")
        for token in tokens:
            counts[token] += 1
    del counts[PAD], counts[UNK]
    kept = [(-c, t) for t, c in counts.items() if c >= min_freq]
    kept.sort()
    words = [t for _, t in kept]
    if max_size is not None:
        words = words[: max_size - 2]
    return Vocab([PAD, UNK] + words)
