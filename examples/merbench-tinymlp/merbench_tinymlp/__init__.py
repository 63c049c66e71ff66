"""merbench-tinymlp: an example third-party merbench plugin (a tiny MLP on the flow image).

Not a published model; it exists to show (and test) how a package plugs a model into
merbench. ``plugin`` registers it without importing torch; ``model`` holds the network.
See docs/writing-plugins.md in the merbench repository.
"""
