FROM {{ namespace }}/{{ image_prefix }}openstack-base:{{ tag }}
{% block labels %}
LABEL maintainer="{{ maintainer }}" name="{{ image_name }}"
{% endblock %}

{% block aodh_base_header %}{% endblock %}

{% import "macros.j2" as macros with context %}

{{ macros.kolla_enable_base_repos() }}

{{ macros.configure_user(name='aodh') }}

{% set aodh_base_packages = [
] %}

{{ macros.install_packages(aodh_base_packages | customizable("packages")) }}

ADD aodh-base-archive /aodh-base-source

{% set aodh_base_pip_packages = [
    '/aodh',
] %}

COPY extend_start.sh /usr/local/bin/kolla_extend_start
COPY aodh_sudoers /etc/sudoers.d/kolla_aodh_sudoers

RUN ln -s aodh-base-source/* aodh \
    && {{ macros.install_pip(aodh_base_pip_packages | customizable("pip_packages")) }} \
    && mkdir -p /etc/aodh \
    && cp /aodh/aodh/api/api-paste.ini /etc/aodh/ \
    && chmod 644 /etc/aodh/api-paste.ini \
    && chmod 750 /etc/sudoers.d \
    && chmod 640 /etc/sudoers.d/kolla_aodh_sudoers \
    && touch /usr/local/bin/kolla_aodh_extend_start \
    && chmod 644 /usr/local/bin/kolla_extend_start /usr/local/bin/kolla_aodh_extend_start

{{ macros.kolla_patch_sources() }}

{% block aodh_base_footer %}{% endblock %}
{{ macros.kolla_cleanup_repos() }}
