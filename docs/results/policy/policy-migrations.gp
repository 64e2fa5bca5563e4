# policy-migrations: made by minidc experiment; data in policy-migrations.dat
set datafile separator "\t"
set datafile missing "?"
set title "Migrations, clones, sleeps and wakes over time (run 1)"
set xlabel "seconds since the policy started"
set ytics ("none" 0, "thr-mmt" 1, "lr-mmt" 2, "consolidate" 3)
set yrange [-0.5:3.5]
set xrange [0:401]
set grid xtics
set key outside right top
plot 'policy-migrations.dat' using 1:(strcol(3) eq 'vm.migrated' ? $2 : 1/0) with points pt 7 ps 1.5 title "migration", '' using 1:(strcol(3) eq 'vm.cloned' ? $2 : 1/0) with points pt 5 title "clone", '' using 1:(strcol(3) eq 'server.asleep' ? $2 : 1/0) with points pt 11 title "sleep", '' using 1:(strcol(3) eq 'server.awake' ? $2 : 1/0) with points pt 9 title "wake"
