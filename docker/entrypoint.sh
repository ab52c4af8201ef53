#!/bin/sh
# Entry point of the gpu_laddu images: `docker run IMAGE info` (or any other gpu-laddu
# subcommand or option) runs gpu-laddu; anything else runs as given, e.g.
# `docker run IMAGE mpiexec -n 4 python fit.py` or `docker run -it IMAGE bash`.
set -e
if [ "$#" -eq 0 ]; then
  exec gpu-laddu info
fi
case "$1" in
  -*|info|demo|bench|convert) exec gpu-laddu "$@" ;;
  *) exec "$@" ;;
esac
