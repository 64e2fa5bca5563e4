# policy-metrics: made by minidc experiment; data in policy-metrics.dat
set datafile separator "\t"
set datafile missing "?"
set title "Per policy (median over runs)"
set ylabel "count"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key outside right top
set xtics nomirror
set yrange [0:*]
plot 'policy-metrics.dat' using 2:xtic(1) title "none", '' using 3 title "thr-mmt", '' using 4 title "lr-mmt", '' using 5 title "consolidate"
