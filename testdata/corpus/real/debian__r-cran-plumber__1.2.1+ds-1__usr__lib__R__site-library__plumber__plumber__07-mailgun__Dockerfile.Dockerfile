FROM rstudio/plumber:next

RUN R -e "install.packages('htmltools')"

CMD ["/usr/local/lib/R/site-library/plumber/plumber/07-mailgun/plumber.R"]
