# table1-lifecycle: made by minidc experiment; data in table1-lifecycle.dat
set datafile separator "\t"
set datafile missing "?"
set title "VM lifecycle: median time of each operation"
set ylabel "seconds (log scale)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key outside right top
set xtics nomirror
set yrange [*:*]
set logscale y
plot 'table1-lifecycle.dat' using 2:xtic(1) title "minidc (this machine)", '' using 3 title "paper (Raspberry Pi 3)"
