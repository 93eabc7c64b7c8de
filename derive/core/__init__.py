"""The bottom layer: errors, numbers and arrays, the budget of every limit, the op registry, the evaluator of ops
on numbers, the formula parser, and the message catalog. It imports nothing else of derive's."""
