"""Charts (contract section 15): `shape` the typed model of a picture, `build` the model from what
a replay folds, `draw` the picture (matplotlib, imported only when a picture is drawn)."""
