# scale: made by minidc experiment; data in scale.dat
set datafile separator "\t"
set datafile missing "?"
set title "Lab size: times (left), minidcd memory and flows (right)"
set xlabel "servers"
set ylabel "seconds"
set y2label "MiB / hundreds of flows"
set ytics nomirror
set y2tics
set grid
set key outside right top
set yrange [0:*]
set y2range [0:*]
plot 'scale.dat' using 1:2 with linespoints title "lab up", '' using 1:3 with linespoints title "all pairs reached", '' using 1:4 with linespoints title "lab down", '' using 1:5 axes x1y2 with linespoints title "minidcd memory (MiB)", '' using 1:($6/100) axes x1y2 with linespoints title "flows / 100"
