# controller: made by minidc experiment; data in controller.dat
set datafile separator "\t"
set datafile missing "?"
set title "ofbench: responses per second"
set ylabel "responses/s (log scale)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key outside right top
set xtics nomirror
set yrange [*:*]
set logscale y
plot 'controller.dat' using 2:xtic(1) title "minidcd", '' using 3 title "ovs-testcontroller"
