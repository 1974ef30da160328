"""The non-neural baseline: TF-IDF of word unigrams and bigrams, logistic regression.

    python -m benchmarks.baseline --data-dir DIR --out FILE.json

Trained on the same training split as ``solutions.train`` (same seed and
validation share), C chosen on the validation split, evaluated once on test.
"""

from __future__ import annotations

import argparse
import json
import time

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from solutions.data import load_imdb
from solutions.train import Config, peak_memory_mb, split_indices


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    started = time.perf_counter()
    defaults = Config()
    imdb = load_imdb(args.data_dir)
    texts, labels = imdb["train"]["text"], imdb["train"]["label"]
    fit, val = split_indices(len(texts), defaults.val_fraction, defaults.seed)
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_df=0.9, sublinear_tf=True)
    X_fit = vectorizer.fit_transform([texts[i] for i in fit])
    X_val = vectorizer.transform([texts[i] for i in val])
    best = None
    for C in (1.0, 4.0, 16.0):
        model = LogisticRegression(C=C, max_iter=2000).fit(X_fit, [labels[i] for i in fit])
        accuracy = float((model.predict(X_val) == [labels[i] for i in val]).mean())
        if best is None or accuracy > best[0]:
            best = (accuracy, C, model)
    val_accuracy, C, model = best
    test_accuracy = float((model.predict(vectorizer.transform(imdb["test"]["text"])) == imdb["test"]["label"]).mean())
    result = dict(
        test_accuracy=test_accuracy, val_accuracy=val_accuracy, C=C, features=X_fit.shape[1],
        total_seconds=time.perf_counter() - started, peak_memory_mb=peak_memory_mb(),
    )
    with open(args.out, "w") as handle:
        json.dump(result, handle, indent=2)
    print(result)


if __name__ == "__main__":
    main()
