IMAGE=team/app
VERSION=2.0.1
return
VERSION=never
