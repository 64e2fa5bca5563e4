# fig2-throughput: made by minidc experiment; data in fig2-throughput.dat
set datafile separator "\t"
set datafile missing "?"
set title "iperf3 through minidcd, by route (switches crossed) and TCP MSS"
set ylabel "Mbit/s"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key outside right top
set xtics nomirror
set yrange [0:*]
plot 'fig2-throughput.dat' using 2:xtic(1) title "MSS 128", '' using 3 title "MSS 256", '' using 4 title "MSS 512", '' using 5 title "MSS 1024", '' using 6 title "MSS 1400"
