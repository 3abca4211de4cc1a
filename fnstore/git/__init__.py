"""Git plumbing: the only package that imports pygit2 or starts ``git``.

Repository access, reading and writing objects in plain ids
(:mod:`fnstore.git._objects`, :mod:`fnstore.git._history`,
:mod:`fnstore.git._rawtree`), the store's inter-process lock, housekeeping
(packing beside ``git gc``), the transports (libgit2 callbacks, local
copies) and the git-command engine
(:mod:`fnstore.git._gitcli` for sync, :mod:`fnstore.git._gitread` for the
registry's fast start-up).  The rooms above (store, sync, registry) reach git
only through here; see ``docs/architecture.md``.

This ``__init__`` imports nothing, so a pygit2-free module of the package
(the lock, the progress values) can be used without loading pygit2.
"""
