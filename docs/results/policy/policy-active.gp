# policy-active: made by minidc experiment; data in policy-active.dat (a block per policy)
set datafile separator "\t"
set title "Active servers over time (run 1)"
set xlabel "seconds since the policy started"
set ylabel "servers awake"
set grid
set key outside right top
set yrange [0:*]
plot 'policy-active.dat' index 0 using 1:2 with steps lw 2 title "none", 'policy-active.dat' index 1 using 1:2 with steps lw 2 title "thr-mmt", 'policy-active.dat' index 2 using 1:2 with steps lw 2 title "lr-mmt", 'policy-active.dat' index 3 using 1:2 with steps lw 2 title "consolidate"
