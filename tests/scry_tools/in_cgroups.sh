#!/bin/sh
# containertop's workload: this shell moves into a docker-like container's cgroup and works
# there (opens, network bytes, new processes); a child moves on into a systemd service's.
# usage: in_cgroups.sh CGROUP_DIR DOCKER_ID HTTP_PORT
echo $$ > "$1/docker-$2.scope/cgroup.procs" || exit 1
for f in /etc/hostname /etc/passwd /etc/group; do cat "$f" > /dev/null; done
curl -s "http://127.0.0.1:$3/big" -o /dev/null
sh -c "echo \$\$ > '$1/web.service/cgroup.procs' && ls / > /dev/null"
