FROM rstudio/plumber:next

COPY github-key.txt /github-key

CMD ["/usr/local/lib/R/site-library/plumber/plumber/03-github/plumber.R"]
