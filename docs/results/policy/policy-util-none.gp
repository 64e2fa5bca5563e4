# policy-util-none: made by minidc experiment; data in policy-util-none.dat (t, server, utilisation, asleep)
set datafile separator "\t"
set datafile missing "?"
set title "Utilisation of each server over time: none (run 1)"
set xlabel "seconds since the policy started"
set ytics ("server1" 0, "server2" 1, "server3" 2, "server4" 3)
set cblabel "CPU used / capacity"
set cbrange [0:1.2]
set palette defined (0 "white", 0.8 "orange", 1.2 "red")
set yrange [-0.5:3.5]
set view map
set key outside top center horizontal
splot 'policy-util-none.dat' using 1:2:($4 > 0 ? NaN : $3) with points pt 5 ps 2.5 palette notitle, '' using 1:2:($4 > 0 ? 0 : NaN) with points pt 5 ps 2.5 lc rgb "#505050" title "asleep"
