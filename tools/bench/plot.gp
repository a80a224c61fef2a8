# docs/perf/bench.png from the data tools/bench/report.sh writes
# (handshake.dat, bulk.dat, meta.gp in datadir). Run by `make bench-report`.
load datadir.'/meta.gp'
set terminal pngcairo size 1200,1000 font "sans,10"
set output datadir.'/bench.png'
set datafile missing "?"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key top right
set yrange [0:*]
set multiplot layout 2,1 title "clasp vs OpenSSL's libssl vs the crypto floor\n".subtitle

set title "Handshakes: CPU time per side (lower is better)"
set ylabel "microseconds per handshake"
plot datadir.'/handshake.dat' using 2:xtic(1) title 'crypto floor' lc rgb '#9e9e9e', \
     '' using 3 title 'clasp' lc rgb '#1f77b4', \
     '' using 4 title 'libssl' lc rgb '#d62728'

set title "Bulk transfer: application bytes per CPU second (higher is better)"
set ylabel "MB/s"
set rmargin 9
set xtics rotate by -30 offset -1,0
plot datadir.'/bulk.dat' using 2:xtic(1) title 'raw AEAD (EVP)' lc rgb '#9e9e9e', \
     '' using 3 title 'clasp' lc rgb '#1f77b4', \
     '' using 4 title 'libssl' lc rgb '#d62728'
unset multiplot
