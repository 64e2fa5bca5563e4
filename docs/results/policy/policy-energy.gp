# policy-energy: made by minidc experiment; data in policy-energy.dat (a block per policy)
set datafile separator "\t"
set title "Cumulative energy per policy (run 1)"
set xlabel "seconds since the policy started"
set ylabel "kJ"
set grid
set key outside right top
set yrange [0:*]
plot 'policy-energy.dat' index 0 using 1:2 with lines lw 2 title "none", 'policy-energy.dat' index 1 using 1:2 with lines lw 2 title "thr-mmt", 'policy-energy.dat' index 2 using 1:2 with lines lw 2 title "lr-mmt", 'policy-energy.dat' index 3 using 1:2 with lines lw 2 title "consolidate"
