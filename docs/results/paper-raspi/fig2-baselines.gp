# fig2-baselines: made by minidc experiment; data in fig2-baselines.dat
set datafile separator "\t"
set datafile missing "?"
set title "iperf3 at MSS 1400: minidcd, standalone switches, Linux bridges"
set ylabel "Mbit/s"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key outside right top
set xtics nomirror
set yrange [0:*]
plot 'fig2-baselines.dat' using 2:xtic(1) title "minidcd", '' using 3 title "standalone", '' using 4 title "linux-bridge"
