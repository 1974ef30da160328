"""Hidden checks of the bonus: sinusoidal_encoding."""

from . import check, outcome


@check("sinusoidal", "PE[p, 2i] = sin(p / 10000^(2i/k)) and PE[p, 2i+1] = cos(p / 10000^(2i/k))", atol=1e-4)
def table_values(impl):
    return impl.positional.sinusoidal_encoding(64, 16)


@check("sinusoidal", "for odd k the last feature is a sine", atol=1e-4)
def odd_k(impl):
    return impl.positional.sinusoidal_encoding(10, 7)


@check("sinusoidal", "the table is a plain float32 tensor (fixed, not a Parameter) of shape (max_len, k), also for max_len = 1 and k = 1")
def small_tables(impl):
    table = impl.positional.sinusoidal_encoding(3, 2)
    return impl.positional.sinusoidal_encoding(1, 1), table, type(table).__name__, getattr(table, "requires_grad", None)


@check("sinusoidal", "max_len or k not positive raises a ValueError")
def rejects_bad_sizes(impl):
    return [outcome(lambda: impl.positional.sinusoidal_encoding(0, 4), "sinusoidal_encoding(max_len=0, k=4)"),
            outcome(lambda: impl.positional.sinusoidal_encoding(4, 0), "sinusoidal_encoding(max_len=4, k=0)")]
