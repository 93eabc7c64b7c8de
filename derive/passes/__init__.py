"""The passes over one exercise's graph: the graph, compiled programs and the backward loop, the numeric reverse
pass, the exact pass, kinks and their conventions, stop-gradient; driver.gradient runs them in order."""
