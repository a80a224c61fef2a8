subtitle = "AMD EPYC, 2 CPUs, OpenSSL 3.0.22 25 Aug 2026, clasp 0.1.0 (gcc 12.2.0, Release)"
